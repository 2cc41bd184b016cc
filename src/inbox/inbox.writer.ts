import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { webhookConfig, type WebhookConfig } from '../config/webhook.config';
import type { NewInboundEvent } from './inbound-event.types';
import { InboxUnavailableError, isDatabaseUnavailable } from './inbox.errors';

// One statement for the events of every request in a batch, with a fixed number of parameters
// (arrays + unnest) so Postgres plans it once whatever the batch size. Rows are inserted in array
// order (callers one after the other, each in body order), so within a request the ids (the
// tie-breaking sequence) follow the order Facebook sent the events in.
const INSERT_SQL = `
  INSERT INTO inbound_events
    (dedup_key, page_id, psid, conversation_key, source, event_type, fb_timestamp, payload)
  SELECT e.dedup_key, e.page_id, e.psid, e.conversation_key, e.source, e.event_type,
         to_timestamp(e.ts_ms / 1000.0), e.payload::jsonb
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[])
    WITH ORDINALITY AS e(dedup_key, page_id, psid, conversation_key, source, event_type, ts_ms, payload, ord)
  ORDER BY e.ord
  ON CONFLICT (dedup_key) DO NOTHING
  RETURNING id, dedup_key`;
// Prepared once per pooled connection: a batch costs one round trip and no parse or plan.
const INSERT_STATEMENT = 'inbox_insert_events';

/** Events per statement. A request with more goes alone (never split: its rows commit together). */
export const MAX_BATCH_EVENTS = 500;

/** A row one statement created: what a wake-up needs. */
export interface InsertedRow {
  id: string;
  pageId: string;
  conversationKey: string;
}

/** Every row of one statement, shared by all its callers (their wake-ups go to Redis together). */
export interface InsertedBatch {
  readonly rows: readonly InsertedRow[];
}

export interface InsertResult {
  /** Ids of the rows this call created, in body order (events already in the inbox are skipped). */
  ids: string[];
  batch: InsertedBatch;
}

interface Caller {
  readonly events: readonly NewInboundEvent[];
  readonly resolve: (result: InsertResult) => void;
  readonly reject: (error: unknown) => void;
  timer?: NodeJS.Timeout;
  settled: boolean;
}

const NO_ROWS: InsertedBatch = { rows: [] };

/**
 * Writes webhook events to the inbox with group commit: concurrent calls share one INSERT. While a
 * statement runs, new calls queue; when it finishes, the queue goes in the next one. Each caller
 * gets only its own new rows, and its answer only once they are committed; the store timeout counts
 * from each call.
 */
@Injectable()
export class InboxWriter {
  /** Statements sent (one transaction each, retries included) and calls: how well requests batch. */
  statements = 0;
  calls = 0;

  private queue: Caller[] = [];
  /** The callers of the statement running now, while one of them still waits for it. */
  private running: Caller[] | undefined;
  private flushScheduled = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(webhookConfig.KEY) private readonly config: WebhookConfig,
  ) {}

  /**
   * Inserts the events that are not in the inbox yet (by dedup key) and returns the new rows' ids.
   * Throws InboxUnavailableError when Postgres cannot be reached in time; the statement is atomic,
   * so a failure leaves nothing half written.
   */
  insert(events: readonly NewInboundEvent[]): Promise<InsertResult> {
    if (events.length === 0) return Promise.resolve({ ids: [], batch: NO_ROWS });
    this.calls++;
    return new Promise<InsertResult>((resolve, reject) => {
      const caller: Caller = { events, resolve, reject, settled: false };
      caller.timer = setTimeout(() => this.timeOut(caller), this.config.storeTimeoutMs);
      this.queue.push(caller);
      this.scheduleFlush();
    });
  }

  /** Idle: start at the end of this event-loop turn, so the requests read in it share the statement. */
  private scheduleFlush(): void {
    if (this.running || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.running || this.queue.length === 0) return;
    const callers = this.takeBatch();
    this.running = callers;
    void this.run(callers)
      .catch((error: unknown) => {
        for (const caller of callers) this.settle(caller, () => caller.reject(error));
      })
      .finally(() => {
        if (this.running === callers) this.running = undefined;
        this.flush();
      });
  }

  private takeBatch(): Caller[] {
    let count = 0;
    let taken = 0;
    while (taken < this.queue.length) {
      const size = this.queue[taken].events.length;
      if (taken > 0 && count + size > MAX_BATCH_EVENTS) break;
      count += size;
      taken++;
    }
    return this.queue.splice(0, taken);
  }

  /** One statement for `callers`; a failure fails each of them (nothing of theirs was written). */
  private async run(callers: Caller[]): Promise<void> {
    let rows: Array<{ id: string; dedup_key: string }>;
    try {
      rows = await this.insertRetryingDeadlocks(callers.flatMap((c) => c.events));
    } catch (error) {
      if (callers.length > 1 && !isDatabaseUnavailable(error)) {
        // Postgres refused the data (an event it cannot store), not the connection: one bad request
        // must not fail the others, so each goes again on its own.
        for (const caller of callers) if (!caller.settled) await this.run([caller]);
        return;
      }
      const failure = isDatabaseUnavailable(error)
        ? new InboxUnavailableError('Postgres is not reachable')
        : error;
      for (const caller of callers) this.settle(caller, () => caller.reject(failure));
      return;
    }
    this.deliver(callers, rows);
  }

  /** Hands each caller its own new rows: the first caller with a dedup key got its row. */
  private deliver(callers: Caller[], returned: Array<{ id: string; dedup_key: string }>): void {
    const idByKey = new Map<string, string>();
    for (const r of returned) idByKey.set(r.dedup_key, String(r.id));
    const rows: InsertedRow[] = [];
    const idsOf = callers.map((caller) => {
      const ids: string[] = [];
      for (const e of caller.events) {
        const id = idByKey.get(e.dedupKey);
        if (id === undefined) continue;
        idByKey.delete(e.dedupKey);
        ids.push(id);
        rows.push({ id, pageId: e.pageId, conversationKey: e.conversationKey });
      }
      return ids;
    });
    // Rows of callers that timed out are committed too: waking them spares the reconciler the work.
    const batch: InsertedBatch = { rows };
    callers.forEach((caller, i) => this.settle(caller, () => caller.resolve({ ids: idsOf[i], batch })));
  }

  private timeOut(caller: Caller): void {
    this.settle(caller, () => caller.reject(new InboxUnavailableError('Postgres did not answer in time')));
    const queued = this.queue.indexOf(caller);
    if (queued >= 0) this.queue.splice(queued, 1);
    // A statement nobody waits for any more (Postgres hangs) must not hold back the next batch.
    if (this.running?.every((c) => c.settled)) {
      this.running = undefined;
      this.scheduleFlush();
    }
  }

  private settle(caller: Caller, answer: () => void): void {
    if (caller.settled) return;
    caller.settled = true;
    clearTimeout(caller.timer);
    answer();
  }

  /**
   * Two concurrent statements that share events (Facebook redelivering to another web process
   * while the first delivery is still in flight) can lock the same dedup keys in opposite orders;
   * Postgres then aborts one of them. The statement is atomic, so running it again is safe and
   * cheaper than a 503 and a redelivery.
   */
  private async insertRetryingDeadlocks(
    events: readonly NewInboundEvent[],
  ): Promise<Array<{ id: string; dedup_key: string }>> {
    const values = toColumns(events);
    // The pg pool itself: TypeORM's query runner adds nothing this statement needs.
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    for (let attempt = 1; ; attempt++) {
      try {
        this.statements++;
        const result = await pool.query<{ id: string; dedup_key: string }>({
          name: INSERT_STATEMENT,
          text: INSERT_SQL,
          values,
        });
        return result.rows;
      } catch (error) {
        if ((error as { code?: string }).code !== DEADLOCK || attempt >= 3) throw error;
      }
    }
  }
}

function toColumns(events: readonly NewInboundEvent[]): unknown[] {
  const columns: [string[], string[], (string | null)[], string[], string[], string[], number[], string[]] = [
    [],
    [],
    [],
    [],
    [],
    [],
    [],
    [],
  ];
  for (const e of events) {
    columns[0].push(e.dedupKey);
    columns[1].push(e.pageId);
    columns[2].push(e.psid);
    columns[3].push(e.conversationKey);
    columns[4].push(e.source);
    columns[5].push(e.type);
    columns[6].push(e.fbTimestampMs);
    columns[7].push(e.payloadJson);
  }
  return columns;
}

const DEADLOCK = '40P01';
