import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { InboundEventSource, InboundEventStatus, InboundEventType } from './inbound-event.types';

/** One webhook event in the inbox (`inbound_events`); see the migration for the column rules. */
@Entity({ name: 'inbound_events' })
export class InboundEvent {
  /** bigserial: a string in JS (it may exceed 2^53); also the tie-breaking sequence. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'dedup_key', type: 'text' })
  dedupKey!: string;

  @Column({ name: 'page_id', type: 'text' })
  pageId!: string;

  @Column({ type: 'text', nullable: true })
  psid!: string | null;

  @Column({ name: 'conversation_key', type: 'text' })
  conversationKey!: string;

  @Column({ type: 'text' })
  source!: InboundEventSource;

  /** Text, not an enum: rows written by a newer version may carry types this one does not know. */
  @Column({ name: 'event_type', type: 'text' })
  eventType!: InboundEventType | (string & {});

  @Column({ name: 'fb_timestamp', type: 'timestamptz' })
  fbTimestamp!: Date;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'text' })
  status!: InboundEventStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'handled_at', type: 'timestamptz', nullable: true })
  handledAt!: Date | null;
}
