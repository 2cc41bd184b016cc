import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const OUTBOUND_STATUSES = ['queued', 'sending', 'sent', 'held', 'failed', 'cancelled'] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];
/** Statuses that still occupy their place in the recipient's lane. */
export const UNFINISHED_STATUSES: readonly OutboundStatus[] = ['queued', 'sending', 'held'];

export type SenderAction = 'typing_on' | 'typing_off' | 'mark_seen';
export type MessagingType = 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';

/** Who receives the message, as the caller named them (converted to the Send API's shape when sent). */
export type OutboundRecipient = { id: string } | { phoneNumber: string } | { userRef: string };

/** What is sent: never a token. */
export type OutboundPayload = { message: Record<string, unknown> } | { senderAction: SenderAction };

/** Facebook's error fields plus our classification and, for common causes, what an operator can do. */
export interface OutboundError {
  kind: string;
  code?: number;
  subcode?: number;
  httpStatus?: number;
  fbtraceId?: string;
  message: string;
  hint?: string;
}

/** One row of the outbox. Written and read only through OutboxRepository. */
@Entity({ name: 'outbound_messages' })
export class OutboundMessage {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Order within a lane (page, recipient); bigint comes back from pg as a string. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ name: 'page_id', type: 'text' })
  pageId!: string;

  @Column({ type: 'jsonb' })
  recipient!: OutboundRecipient;

  /** `psid:<id>`, `phone:<e164>`, `user_ref:<ref>`: the lane a message waits in. */
  @Column({ name: 'recipient_key', type: 'text' })
  recipientKey!: string;

  @Column({ type: 'jsonb' })
  payload!: OutboundPayload;

  @Column({ name: 'messaging_type', type: 'text', nullable: true })
  messagingType!: MessagingType | null;

  @Column({ type: 'text', nullable: true })
  tag!: string | null;

  @Column({ name: 'notification_type', type: 'text', nullable: true })
  notificationType!: string | null;

  @Column({ type: 'text' })
  status!: OutboundStatus;

  /** Graph calls made (counted when the call starts, so a crashed worker's attempt counts too). */
  @Column({ type: 'integer' })
  attempts!: number;

  /** Throttling answers received; they do not consume attempts. */
  @Column({ name: 'throttled_count', type: 'integer' })
  throttledCount!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_error', type: 'jsonb', nullable: true })
  lastError!: OutboundError | null;

  @Column({ name: 'fb_message_id', type: 'text', nullable: true })
  fbMessageId!: string | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'sending_started_at', type: 'timestamptz', nullable: true })
  sendingStartedAt!: Date | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
