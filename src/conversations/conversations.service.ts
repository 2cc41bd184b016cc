import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Conversation } from './conversation.entity';

/** Per (Page, PSID) state, chiefly when the person last opened the 24-hour messaging window. */
@Injectable()
export class ConversationsService {
  constructor(@InjectRepository(Conversation) private readonly conversations: Repository<Conversation>) {}

  /**
   * Records an event from the person. `opensWindow` is true for messages, quick replies, postbacks,
   * reactions, referrals and opt-ins; false for delivery, read and echo events.
   *
   * One upsert: events are handled concurrently and out of order (Facebook redelivers, workers race),
   * so every column only moves in its own direction (GREATEST/LEAST ignore NULLs) and an old event
   * never moves a time backwards.
   */
  async recordUserEvent(pageId: string, psid: string, at: Date, opensWindow: boolean): Promise<void> {
    await this.conversations.query(
      `INSERT INTO conversations AS c (page_id, psid, first_seen_at, last_user_message_at, last_event_at)
       VALUES ($1, $2, $3, CASE WHEN $4::boolean THEN $3::timestamptz END, $3)
       ON CONFLICT (page_id, psid) DO UPDATE SET
         first_seen_at = LEAST(c.first_seen_at, EXCLUDED.first_seen_at),
         last_user_message_at = GREATEST(c.last_user_message_at, EXCLUDED.last_user_message_at),
         last_event_at = GREATEST(c.last_event_at, EXCLUDED.last_event_at)`,
      [pageId, psid, at, opensWindow],
    );
  }

  /** When the person last opened the messaging window; null if they never wrote. */
  async lastUserMessageAt(pageId: string, psid: string): Promise<Date | null> {
    const found = await this.conversations.findOne({
      where: { pageId, psid },
      select: { pageId: true, psid: true, lastUserMessageAt: true },
    });
    return found?.lastUserMessageAt ?? null;
  }

  /** The whole row, for admin views and tests; null when the person never interacted. */
  async findOne(pageId: string, psid: string): Promise<Conversation | null> {
    return this.conversations.findOne({ where: { pageId, psid } });
  }
}
