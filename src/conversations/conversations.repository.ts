import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { Conversation } from './conversation.entity';

/** A person's folded events of one batch: one row per (Page, PSID). */
export interface PersonEvents {
  pageId: string;
  psid: string;
  first: Date;
  last: Date;
  /** The latest window-opening action, or null. */
  opened: Date | null;
}

/** Every statement on `conversations`. */
@Injectable()
export class ConversationsRepository {
  constructor(@InjectRepository(Conversation) private readonly conversations: Repository<Conversation>) {}

  /**
   * One upsert for many people (one row each), inside `manager`'s transaction. Events are handled
   * concurrently and out of order (Facebook redelivers, workers race), so every column only moves in
   * its own direction (GREATEST/LEAST ignore NULLs) and an old event never moves a time backwards.
   */
  async upsertPeople(manager: EntityManager, rows: readonly PersonEvents[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO conversations AS c (page_id, psid, first_seen_at, last_user_message_at, last_event_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[])
       ON CONFLICT (page_id, psid) DO UPDATE SET
         first_seen_at = LEAST(c.first_seen_at, EXCLUDED.first_seen_at),
         last_user_message_at = GREATEST(c.last_user_message_at, EXCLUDED.last_user_message_at),
         last_event_at = GREATEST(c.last_event_at, EXCLUDED.last_event_at)`,
      [
        rows.map((r) => r.pageId),
        rows.map((r) => r.psid),
        rows.map((r) => r.first),
        rows.map((r) => r.opened),
        rows.map((r) => r.last),
      ],
    );
  }

  /** The manager for statements outside a caller's transaction. */
  get manager(): EntityManager {
    return this.conversations.manager;
  }

  async findLastUserMessageAt(pageId: string, psid: string): Promise<Date | null> {
    const found = await this.conversations.findOne({
      where: { pageId, psid },
      select: { pageId: true, psid: true, lastUserMessageAt: true },
    });
    return found?.lastUserMessageAt ?? null;
  }

  findOne(pageId: string, psid: string): Promise<Conversation | null> {
    return this.conversations.findOne({ where: { pageId, psid } });
  }
}
