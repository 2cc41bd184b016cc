import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { InboundEventSource, InboundEventStatus } from '../inbox/inbound-event.types';

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

export type HeadClaim =
  | { kind: 'claimed'; event: ClaimedEvent }
  | { kind: 'waiting'; headId: string; attempts: number; until: Date }
  | { kind: 'empty' };

interface HeadRow {
  head_id: string;
  head_next_attempt_at: Date | null;
  head_attempts: number;
  id: string | null;
  psid: string | null;
  source: InboundEventSource | null;
  event_type: string | null;
  fb_timestamp: Date | null;
  payload: unknown;
  attempts: number | null;
  replay_count: number | null;
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
  async findConversationOf(eventId: string): Promise<{ ref: ConversationRef; dueAt: Date | null | undefined } | null> {
    if (!/^\d{1,19}$/.test(eventId)) return null;
    const rows = await this.dataSource.query<
      Array<{ page_id: string; conversation_key: string; head_id: string | null; next_attempt_at: Date | null }>
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

  /** Like `findConversationOf`, for a conversation already known. */
  async findHeadDueAt(ref: ConversationRef): Promise<Date | null | undefined> {
    const rows = await this.dataSource.query<Array<{ next_attempt_at: Date | null }>>(
      `SELECT next_attempt_at FROM inbound_events
       WHERE page_id = $1 AND conversation_key = $2 AND status IN ('pending', 'processing')
       ORDER BY fb_timestamp, id
       LIMIT 1`,
      [ref.pageId, ref.conversationKey],
    );
    return rows.length === 0 ? undefined : rows[0].next_attempt_at;
  }

  /**
   * Takes the conversation's oldest open row (pending, or processing left by a dead worker) if it is
   * due: it becomes `processing` with the attempt counted. Otherwise says why not: nothing open, or
   * waiting for its backoff. Only the conversation's claim holder calls this.
   */
  async claimHead(ref: ConversationRef): Promise<HeadClaim> {
    const rows = await this.dataSource.query<Array<HeadRow>>(
      `WITH head AS (
         SELECT id, next_attempt_at, attempts FROM inbound_events
         WHERE page_id = $1 AND conversation_key = $2 AND status IN ('pending', 'processing')
         ORDER BY fb_timestamp, id
         LIMIT 1
       ), claimed AS (
         UPDATE inbound_events e
         SET status = 'processing', attempts = e.attempts + 1, next_attempt_at = NULL
         FROM head
         WHERE e.id = head.id AND (head.next_attempt_at IS NULL OR head.next_attempt_at <= $3)
         RETURNING e.id, e.psid, e.source, e.event_type, e.fb_timestamp, e.payload, e.attempts, e.replay_count
       )
       SELECT head.id AS head_id, head.next_attempt_at AS head_next_attempt_at, head.attempts AS head_attempts,
              claimed.*
       FROM head LEFT JOIN claimed ON true`,
      // Due times are computed by the workers' clock, so they are compared with it too.
      [ref.pageId, ref.conversationKey, new Date()],
    );
    const r = rows[0];
    if (!r) return { kind: 'empty' };
    if (r.id === null) {
      return { kind: 'waiting', headId: String(r.head_id), attempts: r.head_attempts, until: r.head_next_attempt_at! };
    }
    return {
      kind: 'claimed',
      event: {
        ...ref,
        id: String(r.id),
        psid: r.psid,
        source: r.source!,
        eventType: r.event_type!,
        fbTimestamp: r.fb_timestamp!,
        payload: r.payload,
        attempts: r.attempts!,
        replayCount: r.replay_count!,
      },
    };
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

  async markDone(id: string, attempts: number): Promise<boolean> {
    return this.finish(id, attempts, `status = 'done', last_error = NULL, handled_at = now()`, []);
  }

  /** Not for any handler (unknown or removed Page, unknown event type): kept, with the reason. */
  async markIgnored(id: string, attempts: number, reason: string): Promise<boolean> {
    return this.finish(id, attempts, `status = 'ignored', last_error = $3, handled_at = now()`, [reason]);
  }

  /** processing -> pending without counting the attempt: the failure was not the event's. */
  async giveBack(id: string, attempts: number, nextAttemptAt: Date): Promise<boolean> {
    return this.finish(id, attempts, `status = 'pending', attempts = attempts - 1, next_attempt_at = $3`, [
      nextAttemptAt,
    ]);
  }

  async markFailed(id: string, attempts: number, error: string): Promise<boolean> {
    return this.finish(id, attempts, `status = 'failed', last_error = $3, handled_at = now()`, [error]);
  }

  /** Back to pending until `nextAttemptAt`; the conversation waits behind it. */
  async markRetry(id: string, attempts: number, error: string, nextAttemptAt: Date): Promise<boolean> {
    return this.finish(id, attempts, `status = 'pending', last_error = $3, next_attempt_at = $4`, [
      error,
      nextAttemptAt,
    ]);
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

  private async finish(id: string, attempts: number, set: string, params: unknown[]): Promise<boolean> {
    const [, count] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE inbound_events SET ${set}
       WHERE id = $1::bigint AND status = 'processing' AND attempts = $2`,
      [id, attempts, ...params],
    );
    return count > 0;
  }
}
