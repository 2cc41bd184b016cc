import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One person's thread with one Page. Only ConversationsService reads or writes this table. */
@Entity({ name: 'conversations' })
export class Conversation {
  @PrimaryColumn({ name: 'page_id', type: 'text' })
  pageId!: string;

  @PrimaryColumn({ type: 'text' })
  psid!: string;

  @Column({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt!: Date;

  /** The last event that opens the 24-hour window (message, postback, reaction, referral, opt-in). */
  @Column({ name: 'last_user_message_at', type: 'timestamptz', nullable: true })
  lastUserMessageAt!: Date | null;

  /** The last event of any kind, including delivery and read receipts. */
  @Column({ name: 'last_event_at', type: 'timestamptz' })
  lastEventAt!: Date;
}
