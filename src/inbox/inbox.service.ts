import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { InboundEvent } from './inbound-event.entity';
import type { InboundEventStatus, NewInboundEvent } from './inbound-event.types';
import { toDetail, toSummary, type InboundEventDetail, type InboundEventPage } from './inbound-event.view';
import { InboundEventNotFoundError } from './inbox.errors';
import { InboxWakeups } from './inbox-wakeups';
import { InboxWriter, type InsertedBatch } from './inbox.writer';

export interface InboundEventFilter {
  status?: InboundEventStatus;
  pageId?: string;
  psid?: string;
  type?: string;
  /** Only rows with a smaller id (the previous page's `nextCursor`). */
  cursor?: string;
  limit: number;
}

export interface RecordResult {
  /** Ids of the rows this call created (events already in the inbox are skipped). */
  insertedIds: string[];
  /** False when the wake-up jobs could not be added (Redis down): the reconciler adds them later. */
  woken: boolean;
}

const SUMMARY_COLUMNS = [
  'e.id',
  'e.dedupKey',
  'e.pageId',
  'e.psid',
  'e.conversationKey',
  'e.source',
  'e.eventType',
  'e.fbTimestamp',
  'e.status',
  'e.attempts',
  'e.lastError',
  'e.nextAttemptAt',
  'e.receivedAt',
  'e.handledAt',
];

/** The inbox (`inbound_events`): durable webhook events waiting for, or done with, the processor. */
@Injectable()
export class InboxService {
  /** The wake-ups of each insert batch, added once and awaited by every caller with rows in it. */
  private readonly batchWakeups = new WeakMap<InsertedBatch, Promise<boolean>>();

  constructor(
    @InjectRepository(InboundEvent) private readonly events: Repository<InboundEvent>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writer: InboxWriter,
    private readonly wakeups: InboxWakeups,
  ) {}

  /**
   * Stores the events (in one statement shared with concurrent calls; known dedup keys are skipped),
   * then wakes the new rows: one Redis round trip for the whole statement's rows, whose callers all
   * wait for it. Throws InboxUnavailableError when Postgres cannot take them; never fails on Redis.
   */
  async record(events: readonly NewInboundEvent[]): Promise<RecordResult> {
    const { ids, batch } = await this.writer.insert(events);
    if (ids.length === 0) return { insertedIds: ids, woken: true };
    let woken = this.batchWakeups.get(batch);
    if (!woken) {
      woken = this.wakeups.wake(batch.rows);
      this.batchWakeups.set(batch, woken);
    }
    return { insertedIds: ids, woken: await woken };
  }

  async findById(id: string): Promise<InboundEventDetail> {
    // Ids beyond 18 digits cannot exist (and would overflow bigint in the query).
    const event = /^\d{1,18}$/.test(id) ? await this.events.findOneBy({ id }) : null;
    if (!event) throw new InboundEventNotFoundError(id);
    return toDetail(event);
  }

  /** Newest first, without payloads. */
  async list(filter: InboundEventFilter): Promise<InboundEventPage> {
    const qb = this.events
      .createQueryBuilder('e')
      .select(SUMMARY_COLUMNS)
      .orderBy('e.id', 'DESC')
      .limit(filter.limit + 1);
    if (filter.status) qb.andWhere('e.status = :status', { status: filter.status });
    if (filter.pageId) qb.andWhere('e.pageId = :pageId', { pageId: filter.pageId });
    if (filter.psid) qb.andWhere('e.psid = :psid', { psid: filter.psid });
    if (filter.type) qb.andWhere('e.eventType = :type', { type: filter.type });
    if (filter.cursor) qb.andWhere('e.id < :cursor', { cursor: filter.cursor });
    const rows = await qb.getMany();
    const items = rows.slice(0, filter.limit).map(toSummary);
    return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1].id : null };
  }

  /**
   * Pending rows received more than `olderThanSeconds` ago whose retry time (if any) has come,
   * after `afterId`, oldest first. Keyset-paginated so the reconciler walks a backlog once.
   */
  async findStalePendingIds(olderThanSeconds: number, afterId: string, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM inbound_events
       WHERE status = 'pending' AND id > $1::bigint
         AND received_at < now() - make_interval(secs => $2)
         AND (next_attempt_at IS NULL OR next_attempt_at <= now())
       ORDER BY id
       LIMIT $3`,
      [afterId, olderThanSeconds, limit],
    );
    return rows.map((r) => String(r.id));
  }

  /**
   * Deletes `done` and `ignored` rows received more than `olderThanDays` ago, `batchSize` rows per
   * statement so no lock is held for long. Failed rows stay for replay. Returns how many went.
   */
  async pruneHandled(olderThanDays: number, batchSize = 5_000, maxBatches = 200): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const [, deleted] = await this.dataSource.query<[unknown[], number]>(
        `DELETE FROM inbound_events WHERE id IN (
           SELECT id FROM inbound_events
           WHERE status IN ('done', 'ignored') AND received_at < now() - make_interval(days => $1)
           ORDER BY id
           LIMIT $2)`,
        [olderThanDays, batchSize],
      );
      total += deleted;
      if (deleted < batchSize) break;
    }
    return total;
  }
}
