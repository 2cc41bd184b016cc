import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { Conversation } from './conversation.entity';

/** One event of a person, as the conversation state records it. */
export interface UserEventRecord {
  pageId: string;
  psid: string;
  at: Date;
  opensWindow: boolean;
}

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
    await this.recordUserEvents(this.conversations.manager, [{ pageId, psid, at, opensWindow }]);
  }

  /**
   * `recordUserEvent` for a batch of events, in one statement inside the caller's transaction (the
   * inbound processor's commit). Several events of one person are folded first: an upsert may touch
   * a row once per statement.
   */
  async recordUserEvents(manager: EntityManager, events: readonly UserEventRecord[]): Promise<void> {
    const byPerson = new Map<
      string,
      { pageId: string; psid: string; first: Date; last: Date; opened: Date | null }
    >();
    for (const e of events) {
      const key = `${e.pageId}:${e.psid}`;
      const seen = byPerson.get(key);
      const opened = e.opensWindow ? e.at : null;
      if (!seen) {
        byPerson.set(key, { pageId: e.pageId, psid: e.psid, first: e.at, last: e.at, opened });
        continue;
      }
      if (e.at < seen.first) seen.first = e.at;
      if (e.at > seen.last) seen.last = e.at;
      if (opened && (!seen.opened || opened > seen.opened)) seen.opened = opened;
    }
    if (byPerson.size === 0) return;
    const rows = [...byPerson.values()];
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
