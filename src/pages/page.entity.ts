import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { PageHealthReport } from './page-health.report';

export const PAGE_STATUSES = ['active', 'paused', 'token_invalid', 'unsubscribed', 'removed'] as const;
export type PageStatus = (typeof PAGE_STATUSES)[number];

/** A Facebook Page the platform serves. Only the pages module reads or writes this table. */
@Entity({ name: 'pages' })
export class Page {
  @PrimaryColumn({ name: 'page_id', type: 'text' })
  pageId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  status!: PageStatus;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason!: string | null;

  /** The bot that handles this Page's events; null = the configured default bot. */
  @Column({ type: 'text', nullable: true })
  bot!: string | null;

  @Column({ name: 'token_ciphertext', type: 'bytea', nullable: true })
  tokenCiphertext!: Buffer | null;

  @Column({ name: 'token_iv', type: 'bytea', nullable: true })
  tokenIv!: Buffer | null;

  @Column({ name: 'token_auth_tag', type: 'bytea', nullable: true })
  tokenAuthTag!: Buffer | null;

  @Column({ name: 'token_key_id', type: 'text', nullable: true })
  tokenKeyId!: string | null;

  @Column({ name: 'token_fingerprint', type: 'text', nullable: true })
  tokenFingerprint!: string | null;

  @Column({ name: 'token_expires_at', type: 'timestamptz', nullable: true })
  tokenExpiresAt!: Date | null;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  scopes!: string[];

  @Column({ name: 'subscribed_fields', type: 'text', array: true, default: () => `'{}'` })
  subscribedFields!: string[];

  @Column({ name: 'last_subscription_check_at', type: 'timestamptz', nullable: true })
  lastSubscriptionCheckAt!: Date | null;

  @Column({ name: 'last_health_check_at', type: 'timestamptz', nullable: true })
  lastHealthCheckAt!: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  health!: PageHealthReport | null;

  @Column({ name: 'last_event_at', type: 'timestamptz', nullable: true })
  lastEventAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
