import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AlertSeverity, AlertStatus } from './alert-kind';

/** One operator alert; repeats of an unresolved one count up on the same row (see AlertsRepository). */
@Entity({ name: 'alerts' })
export class Alert {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** An AlertKind value; text so that older rows of a since-renamed kind still load. */
  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  severity!: AlertSeverity;

  @Column({ name: 'page_id', type: 'text', nullable: true })
  pageId!: string | null;

  @Column({ type: 'text' })
  title!: string;

  /** Redacted before it is stored; never a secret. */
  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;

  @Column({ name: 'dedup_key', type: 'text' })
  dedupKey!: string;

  @Column({ type: 'text' })
  status!: AlertStatus;

  @Column({ type: 'integer' })
  occurrences!: number;

  @Column({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  @Column({ name: 'acknowledged_by', type: 'text', nullable: true })
  acknowledgedBy!: string | null;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  /** When the latest delivery to the sinks was scheduled (claimed by one raise). */
  @Column({ name: 'last_delivered_at', type: 'timestamptz', nullable: true })
  lastDeliveredAt!: Date | null;

  /** The occurrence number whose raise claimed the latest delivery. */
  @Column({ name: 'delivered_occurrence', type: 'integer', nullable: true })
  deliveredOccurrence!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
