import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  OutboundMessage,
  type MessagingType,
  type OutboundError,
  type OutboundPayload,
  type OutboundRecipient,
  type OutboundStatus,
} from './outbound-message.entity';

export interface NewOutboundMessage {
  pageId: string;
  recipient: OutboundRecipient;
  recipientKey: string;
  payload: OutboundPayload;
  messagingType: MessagingType | null;
  tag: string | null;
  notificationType: string | null;
  idempotencyKey: string | null;
  status: 'queued' | 'held';
}

export interface OutboxFilter {
  pageId?: string;
  status?: OutboundStatus;
  recipientKey?: string;
  /** Only rows with seq below this (newest first paging). */
  beforeSeq?: string;
  limit: number;
}

/** Another message of the same lane that is earlier and unfinished: the lane is not this message's turn. */
const EARLIER_IN_LANE = `EXISTS (
  SELECT 1 FROM outbound_messages e
  WHERE e.page_id = m.page_id AND e.recipient_key = m.recipient_key AND e.seq < m.seq
    AND e.status IN ('queued', 'sending', 'held'))`;

/**
 * EARLIER_IN_LANE for a claim: the earlier message found is share-locked. A lane's head is finished
 * by one statement that also looks for the message to hand the lane to (see FINISH), whose snapshot
 * can predate a message committed just then; if that message's own claim ran before the head's finish
 * committed, nobody would start it. With the lock, such a claim waits for the finish to commit and
 * then sees the head finished (READ COMMITTED re-checks a row it waited for), so it claims itself.
 * Left open: a message committed, enqueued and claimed all between the finishing statement's start
 * and its update of the head row (microseconds apart); the sweep starts it (staleQueuedHeads).
 */
const EARLIER_IN_LANE_LOCKED = `EXISTS (
  SELECT 1 FROM outbound_messages e
  WHERE e.page_id = m.page_id AND e.recipient_key = m.recipient_key AND e.seq < m.seq
    AND e.status IN ('queued', 'sending', 'held')
  ORDER BY e.seq LIMIT 1 FOR SHARE)`;

// A job may run a little before next_attempt_at when clocks of Bull's processes drift.
const DUE_SLACK = `interval '2 seconds'`;

/**
 * Finishes a claimed message (the UPDATE given, on alias m) and, in the same round trip, names the
 * message the lane passes to: the lane's next unfinished message when it is queued and due (a message
 * waiting for a retry keeps its own delayed job). The lookup reads the snapshot from before the
 * UPDATE, in which the finished message is still unfinished: hence `h.id <> d.id`.
 */
const FINISH = (update: string) => `
  WITH d AS (${update} RETURNING m.*)
  SELECT d.*, n.id AS next_id FROM d
  LEFT JOIN LATERAL (
    SELECT h.id, h.status, h.next_attempt_at FROM outbound_messages h
    WHERE h.page_id = d.page_id AND h.recipient_key = d.recipient_key AND h.id <> d.id
      AND h.status IN ('queued', 'sending', 'held')
    ORDER BY h.seq LIMIT 1
  ) n ON n.status = 'queued' AND n.next_attempt_at <= now()`;

/** A message that left its lane, and the lane's next message to start now (null: none is due). */
export interface FinishedMessage {
  message: OutboundMessage;
  nextId: string | null;
}

const ONE_IN_FLIGHT_INDEX = 'outbound_messages_one_in_flight';

/**
 * Every statement on outbound_messages. State changes are conditional on the status they expect, so
 * two workers (or a worker and the admin API) racing on a row never both win.
 */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inserts, or returns null when (page, idempotency key) already exists. */
  async insert(row: NewOutboundMessage): Promise<OutboundMessage | null> {
    const rows = await this.query(
      `INSERT INTO outbound_messages AS m
         (page_id, recipient, recipient_key, payload, messaging_type, tag, notification_type, idempotency_key, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (page_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING m.*`,
      [
        row.pageId,
        JSON.stringify(row.recipient),
        row.recipientKey,
        JSON.stringify(row.payload),
        row.messagingType,
        row.tag,
        row.notificationType,
        row.idempotencyKey,
        row.status,
      ],
    );
    return rows[0] ?? null;
  }

  /**
   * Inserts several rows in one statement, in order (their `seq` follows the array, so a lane keeps
   * the order the handler sent in), inside the caller's transaction: the inbound processor writes a
   * batch's replies in the same commit that marks its events handled. Rows whose (page, idempotency
   * key) exists are skipped; returns the inserted rows only.
   */
  async insertMany(
    manager: EntityManager,
    rows: ReadonlyArray<NewOutboundMessage & { id: string }>,
  ): Promise<OutboundMessage[]> {
    if (rows.length === 0) return [];
    const result: unknown = await manager.query(
      `INSERT INTO outbound_messages AS m
         (id, page_id, recipient, recipient_key, payload, messaging_type, tag, notification_type, idempotency_key, status)
       SELECT r.id, r.page_id, r.recipient::jsonb, r.recipient_key, r.payload::jsonb, r.messaging_type, r.tag,
              r.notification_type, r.idempotency_key, r.status
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::text[])
         WITH ORDINALITY AS r(id, page_id, recipient, recipient_key, payload, messaging_type, tag, notification_type,
                              idempotency_key, status, n)
       ORDER BY r.n
       ON CONFLICT (page_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING m.*`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.pageId),
        rows.map((r) => JSON.stringify(r.recipient)),
        rows.map((r) => r.recipientKey),
        rows.map((r) => JSON.stringify(r.payload)),
        rows.map((r) => r.messagingType),
        rows.map((r) => r.tag),
        rows.map((r) => r.notificationType),
        rows.map((r) => r.idempotencyKey),
        rows.map((r) => r.status),
      ],
    );
    return rowsOf(result)
      .map(toMessage)
      .sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
  }

  async findByIdempotencyKey(pageId: string, key: string): Promise<OutboundMessage | null> {
    const rows = await this.query(
      `SELECT m.* FROM outbound_messages m WHERE page_id = $1 AND idempotency_key = $2`,
      [pageId, key],
    );
    return rows[0] ?? null;
  }

  async findById(id: string): Promise<OutboundMessage | null> {
    const rows = await this.query(`SELECT m.* FROM outbound_messages m WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /**
   * Takes the message for one Graph call: queued, due, and the lane's head; null otherwise (finished,
   * held, in flight elsewhere, not due, or not its turn: the lane starts it when its turn comes). One
   * statement loads, checks and claims. Counts the attempt now, so an attempt whose worker died still
   * counts. The unique index on (page, recipient) WHERE status = 'sending' makes one-in-flight per
   * lane a database guarantee; losing that race returns null.
   */
  async claim(id: string): Promise<OutboundMessage | null> {
    try {
      const rows = await this.query(
        `UPDATE outbound_messages m
           SET status = 'sending', attempts = m.attempts + 1, sending_started_at = now(), updated_at = now()
         WHERE m.id = $1 AND m.status = 'queued' AND m.next_attempt_at <= now() + ${DUE_SLACK}
           AND NOT ${EARLIER_IN_LANE_LOCKED}
         RETURNING m.*`,
        [id],
      );
      return rows[0] ?? null;
    } catch (error) {
      if (isUniqueViolation(error, ONE_IN_FLIGHT_INDEX)) return null;
      throw error;
    }
  }

  /**
   * The claim is identified by (id, attempts): a late writer whose claim was recovered changes nothing.
   * Also names the lane's next message (FINISH).
   */
  async markSent(claim: OutboundMessage, fbMessageId: string | null): Promise<FinishedMessage | null> {
    return this.finish(
      FINISH(`UPDATE outbound_messages m
         SET status = 'sent', fb_message_id = $3, sent_at = now(), updated_at = now(), last_error = NULL
       WHERE m.id = $1 AND m.status = 'sending' AND m.attempts = $2`),
      [claim.id, claim.attempts, fbMessageId],
    );
  }

  /** `refundAttempt` when no Graph call was made (the Page is gone). Also names the lane's next message. */
  async markFailed(
    claim: OutboundMessage,
    error: OutboundError,
    options: { refundAttempt: boolean } = { refundAttempt: false },
  ): Promise<FinishedMessage | null> {
    return this.finish(
      FINISH(`UPDATE outbound_messages m
         SET status = 'failed', attempts = m.attempts - $4::int, last_error = $3, sending_started_at = NULL,
             updated_at = now()
       WHERE m.id = $1 AND m.status = 'sending' AND m.attempts = $2`),
      [claim.id, claim.attempts, JSON.stringify(error), options.refundAttempt ? 1 : 0],
    );
  }

  /**
   * Back to `queued` for another try after `delayMs`. `refundAttempt` for answers that are not the
   * message's fault (throttling); `throttled` counts throttling answers separately.
   */
  async scheduleRetry(
    claim: OutboundMessage,
    error: OutboundError,
    delayMs: number,
    options: { refundAttempt: boolean; throttled: boolean },
  ): Promise<OutboundMessage | null> {
    const rows = await this.query(
      `UPDATE outbound_messages m
         SET status = 'queued',
             attempts = m.attempts - $4::int,
             throttled_count = m.throttled_count + $5::int,
             next_attempt_at = now() + $3::int * interval '1 millisecond',
             last_error = $6, sending_started_at = NULL, updated_at = now()
       WHERE m.id = $1 AND m.status = 'sending' AND m.attempts = $2
       RETURNING m.*`,
      [
        claim.id,
        claim.attempts,
        Math.round(delayMs),
        options.refundAttempt ? 1 : 0,
        options.throttled ? 1 : 0,
        JSON.stringify(error),
      ],
    );
    return rows[0] ?? null;
  }

  /**
   * The Page cannot send: hold a claimed message, giving its attempt back (not the message's fault).
   * Without an error (the Page was found on hold before any call), the last error stays.
   */
  async holdClaimed(claim: OutboundMessage, error?: OutboundError): Promise<OutboundMessage | null> {
    const rows = await this.query(
      `UPDATE outbound_messages m
         SET status = 'held', attempts = m.attempts - 1, last_error = COALESCE($3::jsonb, m.last_error),
             sending_started_at = NULL, updated_at = now()
       WHERE m.id = $1 AND m.status = 'sending' AND m.attempts = $2
       RETURNING m.*`,
      [claim.id, claim.attempts, error ? JSON.stringify(error) : null],
    );
    return rows[0] ?? null;
  }

  /**
   * The Page went on hold: every queued message of it is held, in one statement. Needed for the
   * messages no job will look at again: one that waits behind its lane's head (its job ran while the
   * Page was still active and left it for the lane to wake) stays queued forever once the head is held
   * instead of finished. Returns how many were held.
   */
  async holdQueuedOfPage(pageId: string): Promise<number> {
    // Rows locked in lane order, like a claim locks an earlier message before its own: no deadlock.
    const result: unknown = await this.db.query(
      `UPDATE outbound_messages m SET status = 'held', updated_at = now()
       WHERE m.id IN (
         SELECT q.id FROM outbound_messages q WHERE q.page_id = $1 AND q.status = 'queued'
         ORDER BY q.seq FOR UPDATE)
         AND m.status = 'queued'
       RETURNING m.id`,
      [pageId],
    );
    return rowsOf(result).length;
  }

  /** A claimed message goes back to queued, due in `delayMs`, its attempt given back (no Graph call made). */
  async unclaim(claim: OutboundMessage, delayMs: number): Promise<OutboundMessage | null> {
    const rows = await this.query(
      `UPDATE outbound_messages m
         SET status = 'queued', attempts = m.attempts - 1,
             next_attempt_at = now() + $3::int * interval '1 millisecond',
             sending_started_at = NULL, updated_at = now()
       WHERE m.id = $1 AND m.status = 'sending' AND m.attempts = $2
       RETURNING m.*`,
      [claim.id, claim.attempts, Math.round(delayMs)],
    );
    return rows[0] ?? null;
  }

  /**
   * The lane's head if it is queued and already due, with its due time moved to now so that it gets
   * a fresh job id (see SendScheduler). A head waiting for a retry keeps its own delayed job.
   */
  async touchDueLaneHead(pageId: string, recipientKey: string): Promise<OutboundMessage | null> {
    const rows = await this.query(
      `UPDATE outbound_messages m SET next_attempt_at = now(), updated_at = now()
       WHERE m.id = (
         SELECT h.id FROM outbound_messages h
         WHERE h.page_id = $1 AND h.recipient_key = $2 AND h.status IN ('queued', 'sending', 'held')
         ORDER BY h.seq LIMIT 1)
         AND m.status = 'queued' AND m.next_attempt_at <= now()
       RETURNING m.*`,
      [pageId, recipientKey],
    );
    return rows[0] ?? null;
  }

  /** Held messages of a Page back to queued; returns, per lane, the earliest released message. */
  async releaseHeld(pageId: string): Promise<OutboundMessage[]> {
    return this.query(
      `WITH released AS (
         UPDATE outbound_messages m SET status = 'queued', next_attempt_at = now(), updated_at = now()
         WHERE m.page_id = $1 AND m.status = 'held'
         RETURNING m.*)
       SELECT DISTINCT ON (m.recipient_key) m.* FROM released m ORDER BY m.recipient_key, m.seq`,
      [pageId],
    );
  }

  async pagesWithHeld(limit: number): Promise<string[]> {
    const rows = await this.db.query<Array<{ page_id: string }>>(
      `SELECT DISTINCT page_id FROM outbound_messages WHERE status = 'held' LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.page_id);
  }

  /** Lane heads that have been due for `olderThanSeconds` without being picked up: their job may be lost. */
  async staleQueuedHeads(olderThanSeconds: number, limit: number): Promise<OutboundMessage[]> {
    return this.query(
      `SELECT m.* FROM outbound_messages m
       WHERE m.status = 'queued' AND m.next_attempt_at < now() - $1::int * interval '1 second'
         AND NOT ${EARLIER_IN_LANE}
       ORDER BY m.next_attempt_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
  }

  /** Moves a queued message's due time to now, if nobody changed it since it was read. */
  async touchIfUnchanged(message: OutboundMessage): Promise<OutboundMessage | null> {
    const rows = await this.query(
      `UPDATE outbound_messages m SET next_attempt_at = now(), updated_at = now()
       WHERE m.id = $1 AND m.status = 'queued' AND m.attempts = $2 AND m.next_attempt_at = $3
       RETURNING m.*`,
      [message.id, message.attempts, message.nextAttemptAt],
    );
    return rows[0] ?? null;
  }

  /**
   * `sending` rows older than `olderThanSeconds`: their worker died between claiming and recording
   * the outcome. Back to queued, or failed when that was the last attempt.
   */
  async recoverStaleSending(
    olderThanSeconds: number,
    maxAttempts: number,
    limit: number,
  ): Promise<OutboundMessage[]> {
    return this.query(
      `UPDATE outbound_messages m
         SET status = CASE WHEN m.attempts >= $2 THEN 'failed' ELSE 'queued' END,
             last_error = CASE WHEN m.attempts >= $2
               THEN jsonb_build_object('kind', 'internal', 'message', 'The worker sending this message stopped; attempts exhausted')
               ELSE m.last_error END,
             next_attempt_at = now(), sending_started_at = NULL, updated_at = now()
       WHERE m.id IN (
         SELECT s.id FROM outbound_messages s
         WHERE s.status = 'sending' AND s.sending_started_at < now() - $1::int * interval '1 second'
         ORDER BY s.sending_started_at LIMIT $3)
         AND m.status = 'sending'
       RETURNING m.*`,
      [olderThanSeconds, maxAttempts, limit],
    );
  }

  /** Admin retry: a failed message goes to the back of its lane with fresh attempts; a held one keeps its place. */
  async requeueForRetry(id: string): Promise<OutboundMessage | null> {
    const rows = await this.query(
      `UPDATE outbound_messages m
         SET seq = CASE WHEN m.status = 'failed' THEN nextval(pg_get_serial_sequence('outbound_messages', 'seq')) ELSE m.seq END,
             status = 'queued', attempts = 0, throttled_count = 0, next_attempt_at = now(), updated_at = now()
       WHERE m.id = $1 AND m.status IN ('failed', 'held')
       RETURNING m.*`,
      [id],
    );
    return rows[0] ?? null;
  }

  async cancel(id: string): Promise<OutboundMessage | null> {
    const rows = await this.query(
      `UPDATE outbound_messages m SET status = 'cancelled', updated_at = now()
       WHERE m.id = $1 AND m.status IN ('queued', 'held') RETURNING m.*`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** Newest first, keyset-paged by seq. */
  async list(filter: OutboxFilter): Promise<OutboundMessage[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.pageId !== undefined) add('m.page_id = ?', filter.pageId);
    if (filter.status !== undefined) add('m.status = ?', filter.status);
    if (filter.recipientKey !== undefined) add('m.recipient_key = ?', filter.recipientKey);
    if (filter.beforeSeq !== undefined) add('m.seq < ?::bigint', filter.beforeSeq);
    params.push(filter.limit);
    return this.query(
      `SELECT m.* FROM outbound_messages m ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY m.seq DESC LIMIT $${params.length}`,
      params,
    );
  }

  /** Deletes one batch of finished rows older than the retention; returns how many. */
  async pruneFinished(olderThanDays: number, batchSize: number): Promise<number> {
    const result: unknown = await this.db.query(
      `DELETE FROM outbound_messages WHERE id IN (
         SELECT id FROM outbound_messages
         WHERE status IN ('sent', 'failed', 'cancelled') AND updated_at < now() - $1::int * interval '1 day'
         LIMIT $2)
       RETURNING id`,
      [olderThanDays, batchSize],
    );
    return rowsOf(result).length;
  }

  private async finish(sql: string, params: unknown[]): Promise<FinishedMessage | null> {
    const row = rowsOf(await this.db.query(sql, params))[0];
    return row ? { message: toMessage(row), nextId: (row.next_id as string | null) ?? null } : null;
  }

  private async query(sql: string, params: unknown[]): Promise<OutboundMessage[]> {
    return rowsOf(await this.db.query(sql, params)).map(toMessage);
  }
}

type RawRow = Record<string, unknown>;

/** TypeORM's postgres driver answers UPDATE and DELETE with [rows, rowCount], other commands with rows. */
function rowsOf(result: unknown): RawRow[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as RawRow[];
  }
  return result as RawRow[];
}

function toMessage(row: RawRow): OutboundMessage {
  const m = new OutboundMessage();
  m.id = row.id as string;
  m.seq = String(row.seq);
  m.pageId = row.page_id as string;
  m.recipient = row.recipient as OutboundMessage['recipient'];
  m.recipientKey = row.recipient_key as string;
  m.payload = row.payload as OutboundMessage['payload'];
  m.messagingType = row.messaging_type as OutboundMessage['messagingType'];
  m.tag = row.tag as string | null;
  m.notificationType = row.notification_type as string | null;
  m.status = row.status as OutboundStatus;
  m.attempts = Number(row.attempts);
  m.throttledCount = Number(row.throttled_count);
  m.nextAttemptAt = row.next_attempt_at as Date;
  m.lastError = row.last_error as OutboundError | null;
  m.fbMessageId = row.fb_message_id as string | null;
  m.idempotencyKey = row.idempotency_key as string | null;
  m.createdAt = row.created_at as Date;
  m.sendingStartedAt = row.sending_started_at as Date | null;
  m.sentAt = row.sent_at as Date | null;
  m.updatedAt = row.updated_at as Date;
  return m;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError =
    (error as { driverError?: { code?: string; constraint?: string } })?.driverError ?? error;
  const fields = driverError as { code?: string; constraint?: string };
  return fields?.code === '23505' && fields.constraint === constraint;
}
