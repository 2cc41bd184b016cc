import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { escapeLiteral } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { InboundEventSource, InboundEventStatus } from './inbound-event.types';

/** The conversation an inbox row belongs to: the unit of ordering and of claiming. */
export interface ConversationRef {
  pageId: string;
  conversationKey: string;
}

/** A conversation's oldest open row, claimed for handling (`attempts` includes this attempt). */
export interface ClaimedEvent extends ConversationRef {
  id: string;
  psid: string | null;
  source: InboundEventSource;
  eventType: string;
  fbTimestamp: Date;
  payload: unknown;
  attempts: number;
  replayCount: number;
}

export type BatchClaim =
  | { kind: 'claimed'; events: ClaimedEvent[] }
  | { kind: 'waiting'; headId: string; attempts: number; until: Date }
  | { kind: 'empty' };

/** What happened to one claimed row of a batch. */
export type RowOutcome =
  | { kind: 'done'; id: string; attempts: number }
  | { kind: 'ignored'; id: string; attempts: number; error: string }
  | { kind: 'failed'; id: string; attempts: number; error: string }
  /** The handler threw: pending again after a backoff, the conversation waits behind it. */
  | { kind: 'retry'; id: string; attempts: number; error: string; nextAttemptAt: Date }
  /** Not handled, through no fault of the event (not reached in the batch, or a database error): the attempt is refunded. */
  | { kind: 'give_back'; id: string; attempts: number; nextAttemptAt: Date | null };

const ROW_STATUS: Record<RowOutcome['kind'], InboundEventStatus> = {
  done: 'done',
  ignored: 'ignored',
  failed: 'failed',
  retry: 'pending',
  give_back: 'pending',
};

interface ClaimedJson {
  id: string;
  psid: string | null;
  source: InboundEventSource;
  event_type: string;
  fb_timestamp: string;
  payload: unknown;
  attempts: number;
  replay_count: number;
}

interface HeadJson {
  id: string;
  next_attempt_at: string | null;
  attempts: number;
}

/**
 * The processor's queries on the inbox (`inbound_events`). Every transition names the state it
 * expects, so a stale worker (its claim lost with its connection) cannot overwrite a newer outcome.
 */
@Injectable()
export class InboxClaimsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The conversation a row belongs to (whatever the row's status) and when its oldest open row may
   * be handled: `dueAt` null = now, a date = after its backoff, undefined = nothing open. One query:
   * most wake-up jobs end here (a sibling already handled the row, or holds the conversation).
   */
  async findConversationOf(
    eventId: string,
  ): Promise<{ ref: ConversationRef; dueAt: Date | null | undefined } | null> {
    if (!/^\d{1,19}$/.test(eventId)) return null;
    const rows = await this.dataSource.query<
      Array<{
        page_id: string;
        conversation_key: string;
        head_id: string | null;
        next_attempt_at: Date | null;
      }>
    >(
      `SELECT e.page_id, e.conversation_key, h.id AS head_id, h.next_attempt_at
       FROM inbound_events e
       LEFT JOIN LATERAL (
         SELECT o.id, o.next_attempt_at FROM inbound_events o
         WHERE o.page_id = e.page_id AND o.conversation_key = e.conversation_key
           AND o.status IN ('pending', 'processing')
         ORDER BY o.fb_timestamp, o.id
         LIMIT 1) h ON true
       WHERE e.id = $1::bigint`,
      [eventId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      ref: { pageId: r.page_id, conversationKey: r.conversation_key },
      dueAt: r.head_id === null ? undefined : r.next_attempt_at,
    };
  }

  /**
   * Like `findConversationOf`, for a conversation already known, as literal SQL: the processor sends
   * it in the same round trip as the release of the conversation's lock (after it, so it sees every
   * row committed while the lock was held). Its one row's `next_attempt_at`: see `headDueAtOf`.
   */
  headDueAtQuery(ref: ConversationRef): string {
    return `SELECT next_attempt_at FROM inbound_events
       WHERE page_id = ${escapeLiteral(ref.pageId)} AND conversation_key = ${escapeLiteral(ref.conversationKey)}
         AND status IN ('pending', 'processing')
       ORDER BY fb_timestamp, id
       LIMIT 1`;
  }

  /**
   * Takes up to `limit` of the conversation's oldest open rows at once, in order, stopping before the
   * first one still waiting out a backoff: they become `processing` with the attempt counted. When
   * nothing can be taken, says why (nothing open, or the head waits until a time). One statement.
   */
  async claimBatch(ref: ConversationRef, limit: number): Promise<BatchClaim> {
    const rows = await this.dataSource.query<Array<{ claimed: ClaimedJson[] | null; head: HeadJson | null }>>(
      `WITH open AS (
         SELECT id, next_attempt_at, attempts, row_number() OVER (ORDER BY fb_timestamp, id) AS n
         FROM inbound_events
         WHERE page_id = $1 AND conversation_key = $2 AND status IN ('pending', 'processing')
         ORDER BY fb_timestamp, id
         LIMIT $3
       ), blocked AS (
         SELECT min(n) AS n FROM open WHERE next_attempt_at IS NOT NULL AND next_attempt_at > $4
       ), claimed AS (
         UPDATE inbound_events e
         SET status = 'processing', attempts = e.attempts + 1, next_attempt_at = NULL
         FROM open, blocked
         -- The status again: a row finished by a commit after this statement's snapshot is re-checked
         -- on its newest version, and skipped.
         WHERE e.id = open.id AND (blocked.n IS NULL OR open.n < blocked.n) AND e.status IN ('pending', 'processing')
         RETURNING e.id, e.psid, e.source, e.event_type, e.fb_timestamp, e.payload, e.attempts, e.replay_count
       )
       SELECT
         (SELECT json_agg(json_build_object(
             'id', c.id::text, 'psid', c.psid, 'source', c.source, 'event_type', c.event_type,
             'fb_timestamp', c.fb_timestamp, 'payload', c.payload, 'attempts', c.attempts,
             'replay_count', c.replay_count) ORDER BY c.fb_timestamp, c.id)
          FROM claimed c) AS claimed,
         (SELECT json_build_object('id', o.id::text, 'next_attempt_at', o.next_attempt_at, 'attempts', o.attempts)
          FROM open o WHERE o.n = 1) AS head`,
      // Due times are computed by the workers' clock, so they are compared with it too.
      [ref.pageId, ref.conversationKey, limit, new Date()],
    );
    const { claimed, head } = rows[0] ?? { claimed: null, head: null };
    if (claimed && claimed.length > 0) {
      return {
        kind: 'claimed',
        events: claimed.map((c) => ({
          ...ref,
          id: c.id,
          psid: c.psid,
          source: c.source,
          eventType: c.event_type,
          fbTimestamp: new Date(c.fb_timestamp),
          payload: c.payload,
          attempts: c.attempts,
          replayCount: c.replay_count,
        })),
      };
    }
    if (!head) return { kind: 'empty' };
    return {
      kind: 'waiting',
      headId: head.id,
      attempts: head.attempts,
      until: new Date(head.next_attempt_at!),
    };
  }

  /**
   * Records the outcome of every row of a batch in one statement, inside the caller's transaction
   * (the one that also stores the replies). Each row changes only if it is still the claim this
   * worker made (`processing` at that attempt). Returns how many rows changed.
   */
  async finishBatch(manager: EntityManager, outcomes: readonly RowOutcome[]): Promise<number> {
    if (outcomes.length === 0) return 0;
    const [, count] = await manager.query<[unknown[], number]>(
      `UPDATE inbound_events e SET
         status = u.status,
         attempts = e.attempts - u.refund,
         last_error = CASE WHEN u.keep_error THEN e.last_error ELSE u.last_error END,
         next_attempt_at = u.next_attempt_at,
         handled_at = CASE WHEN u.status IN ('done', 'ignored', 'failed') THEN now() ELSE e.handled_at END
       FROM unnest($1::bigint[], $2::int[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::boolean[])
         AS u(id, attempts, status, refund, last_error, next_attempt_at, keep_error)
       WHERE e.id = u.id AND e.status = 'processing' AND e.attempts = u.attempts`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.attempts),
        outcomes.map((o) => ROW_STATUS[o.kind]),
        outcomes.map((o) => (o.kind === 'give_back' ? 1 : 0)),
        outcomes.map((o) => ('error' in o ? o.error : null)),
        outcomes.map((o) => ('nextAttemptAt' in o ? o.nextAttemptAt : null)),
        outcomes.map((o) => o.kind === 'give_back'),
      ],
    );
    return count;
  }

  /**
   * One row per conversation whose oldest open row is `processing`: left by a worker that died
   * mid-event (or being handled right now, in which case waking it is a no-op).
   */
  async findProcessingHeads(limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT DISTINCT ON (page_id, conversation_key) id FROM inbound_events
       WHERE status = 'processing'
       ORDER BY page_id, conversation_key, fb_timestamp, id
       LIMIT $1`,
      [limit],
    );
    return rows.map((r) => String(r.id));
  }

  /**
   * failed|done|ignored -> pending for an operator's replay (attempts start again, sends get new
   * idempotency keys). Returns the row's status before, or null when the id is unknown.
   */
  async requeue(id: string): Promise<{ replayed: boolean; status: InboundEventStatus } | null> {
    if (!/^\d{1,19}$/.test(id)) return null;
    const [updated] = await this.dataSource.query<[Array<{ id: string }>, number]>(
      `UPDATE inbound_events
       SET status = 'pending', attempts = 0, next_attempt_at = NULL, last_error = NULL, handled_at = NULL,
           replay_count = replay_count + 1
       WHERE id = $1::bigint AND status IN ('failed', 'done', 'ignored')
       RETURNING id`,
      [id],
    );
    if (updated.length > 0) return { replayed: true, status: 'pending' };
    const rows = await this.dataSource.query<Array<{ status: InboundEventStatus }>>(
      `SELECT status FROM inbound_events WHERE id = $1::bigint`,
      [id],
    );
    return rows[0] ? { replayed: false, status: rows[0].status } : null;
  }

  /**
   * Batch replay of a Page's rows in one status (received since a time, if given), walking ids after
   * `afterId` so rows that finish again during the walk are not picked twice. Returns the ids.
   */
  async requeueForPage(
    pageId: string,
    status: 'failed' | 'done' | 'ignored',
    since: Date | undefined,
    afterId: string,
    limit: number,
  ): Promise<string[]> {
    const [rows] = await this.dataSource.query<[Array<{ id: string }>, number]>(
      `UPDATE inbound_events
       SET status = 'pending', attempts = 0, next_attempt_at = NULL, last_error = NULL, handled_at = NULL,
           replay_count = replay_count + 1
       WHERE id IN (
         SELECT id FROM inbound_events
         WHERE page_id = $1 AND status = $2 AND ($3::timestamptz IS NULL OR received_at >= $3) AND id > $4::bigint
         ORDER BY id
         LIMIT $5)
       RETURNING id`,
      [pageId, status, since ?? null, afterId, limit],
    );
    return rows.map((r) => String(r.id)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  }
}
