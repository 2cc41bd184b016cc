import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Conversation } from './conversation.entity';
import { ConversationsRepository, type PersonEvents } from './conversations.repository';

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
  constructor(private readonly repository: ConversationsRepository) {}

  /**
   * Records an event from the person. `opensWindow` is true for messages, quick replies, postbacks,
   * reactions, referrals and opt-ins; false for delivery, read and echo events.
   *
   * Outside any transaction (tests and one-off callers); the processor records through
   * `recordUserEvents` in its batch's commit.
   */
  async recordUserEvent(pageId: string, psid: string, at: Date, opensWindow: boolean): Promise<void> {
    await this.recordUserEvents(this.repository.manager, [{ pageId, psid, at, opensWindow }]);
  }

  /**
   * `recordUserEvent` for a batch of events, in one statement inside the caller's transaction (the
   * inbound processor's commit). Several events of one person are folded first: an upsert may touch
   * a row once per statement.
   */
  async recordUserEvents(manager: EntityManager, events: readonly UserEventRecord[]): Promise<void> {
    const byPerson = new Map<string, PersonEvents>();
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
    await this.repository.upsertPeople(manager, [...byPerson.values()]);
  }

  /** When the person last opened the messaging window; null if they never wrote. */
  async lastUserMessageAt(pageId: string, psid: string): Promise<Date | null> {
    return this.repository.findLastUserMessageAt(pageId, psid);
  }

  /** The whole row, for admin views and tests; null when the person never interacted. */
  async findOne(pageId: string, psid: string): Promise<Conversation | null> {
    return this.repository.findOne(pageId, psid);
  }
}
