import { Injectable } from '@nestjs/common';
import { EventNotReplayableError, InboundEventNotFoundError } from './inbox.errors';
import { PagesService } from '../pages/pages.service';
import { InboxClaimsRepository } from './inbox-claims.repository';
import { InboxWakeups } from './inbox-wakeups';

export type ReplayableStatus = 'failed' | 'done' | 'ignored';

const BATCH_SIZE = 1_000;

/** Operators' second chance for events: back to pending, handled again in conversation order. */
@Injectable()
export class EventReplayService {
  constructor(
    private readonly claims: InboxClaimsRepository,
    private readonly wakeups: InboxWakeups,
    private readonly pages: PagesService,
  ) {}

  /** Throws 404 for an unknown id, 409 while the event is pending or being handled. */
  async replay(id: string): Promise<{ id: string; status: 'pending' }> {
    const result = await this.claims.requeue(id);
    if (!result) throw new InboundEventNotFoundError(id);
    if (!result.replayed) throw new EventNotReplayableError(id, result.status);
    await this.wakeups.wakeAgain([id], 'replay');
    return { id, status: 'pending' };
  }

  /** Every event of the Page in `status` (received since `since`, if given). Throws 404 for an unknown Page. */
  async replayPage(pageId: string, status: ReplayableStatus, since?: Date): Promise<{ count: number }> {
    await this.pages.findById(pageId);
    let count = 0;
    let afterId = '0';
    for (;;) {
      const ids = await this.claims.requeueForPage(pageId, status, since, afterId, BATCH_SIZE);
      count += ids.length;
      await this.wakeups.wakeAgain(ids, 'replay');
      if (ids.length < BATCH_SIZE) return { count };
      afterId = ids[ids.length - 1];
    }
  }
}
