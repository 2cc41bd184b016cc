import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { AlertSeverity, AlertStatus } from './alert-kind';
import { Alert } from './alert.entity';

export interface AlertOccurrence {
  kind: string;
  severity: AlertSeverity;
  pageId: string | null;
  title: string;
  details: Record<string, unknown>;
  dedupKey: string;
}

export interface RecordedOccurrence {
  alertId: string;
  occurrence: number;
  inserted: boolean;
  /** This raise claimed a delivery: schedule exactly one DeliverAlert job for it. */
  deliver: boolean;
}

export interface AlertListFilter {
  status?: AlertStatus;
  kind?: string;
  pageId?: string;
  /** Position after which to continue (exclusive), newest first. */
  after?: { createdAt: Date; id: string };
  limit: number;
}

/**
 * An occurrence claims a delivery when it creates the alert, when the open alert was last delivered
 * longer ago than the repeat window (or never, after a failed enqueue), or when it escalates a
 * warning to critical. Acknowledged alerts count up silently: a person already knows.
 */
const DELIVERY_DUE = `
  a.status = 'open' AND (
    a.last_delivered_at IS NULL
    OR a.last_delivered_at <= now() - make_interval(mins => $7::int)
    OR (EXCLUDED.severity = 'critical' AND a.severity = 'warning')
  )`;

@Injectable()
export class AlertsRepository {
  constructor(@InjectRepository(Alert) private readonly alerts: Repository<Alert>) {}

  /**
   * One statement, safe under any concurrency: the partial unique index serialises raises of one key
   * on its row, and `delivered_occurrence = occurrences` in RETURNING is true only for the raise whose
   * update made the claim (every raise increments `occurrences`).
   */
  async recordOccurrence(o: AlertOccurrence, repeatMinutes: number): Promise<RecordedOccurrence> {
    const rows = await this.alerts.query<
      Array<{ id: string; occurrences: number; inserted: boolean; deliver: boolean }>
    >(
      `INSERT INTO alerts AS a (kind, severity, page_id, title, details, dedup_key, last_delivered_at, delivered_occurrence)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, now(), 1)
         ON CONFLICT (dedup_key) WHERE status <> 'resolved' DO UPDATE SET
           occurrences = a.occurrences + 1,
           last_seen_at = now(),
           updated_at = now(),
           title = EXCLUDED.title,
           details = EXCLUDED.details,
           page_id = COALESCE(a.page_id, EXCLUDED.page_id),
           severity = CASE WHEN EXCLUDED.severity = 'critical' THEN 'critical' ELSE a.severity END,
           last_delivered_at = CASE WHEN ${DELIVERY_DUE} THEN now() ELSE a.last_delivered_at END,
           delivered_occurrence = CASE WHEN ${DELIVERY_DUE} THEN a.occurrences + 1 ELSE a.delivered_occurrence END
         RETURNING id, occurrences, (xmax = 0) AS inserted, (delivered_occurrence = occurrences) AS deliver`,
      [o.kind, o.severity, o.pageId, o.title, JSON.stringify(o.details), o.dedupKey, repeatMinutes],
    );
    const row = rows[0];
    return { alertId: row.id, occurrence: row.occurrences, inserted: row.inserted, deliver: row.deliver };
  }

  /** Gives a claim back (its job could not be queued) so the next raise claims the delivery again. */
  async releaseDeliveryClaim(alertId: string, occurrence: number): Promise<void> {
    await this.alerts.query(
      `UPDATE alerts SET last_delivered_at = NULL WHERE id = $1 AND delivered_occurrence = $2`,
      [alertId, occurrence],
    );
  }

  /**
   * The job of this claim runs: mark it delivered again in case raise() gave the claim back after its
   * queue.add timed out but Redis took the job in the end, so the next raise does not page twice.
   */
  async confirmDeliveryClaim(alertId: string, occurrence: number): Promise<void> {
    await this.alerts.query(
      `UPDATE alerts SET last_delivered_at = now()
       WHERE id = $1 AND delivered_occurrence = $2 AND last_delivered_at IS NULL`,
      [alertId, occurrence],
    );
  }

  /** Closes the unresolved alert with this key, if any; returns its id. */
  async resolveByDedupKey(dedupKey: string): Promise<string | null> {
    const [rows] = await this.alerts.query<[Array<{ id: string }>, number]>(
      `UPDATE alerts SET status = 'resolved', resolved_at = now(), updated_at = now()
       WHERE dedup_key = $1 AND status <> 'resolved' RETURNING id`,
      [dedupKey],
    );
    return rows[0]?.id ?? null;
  }

  findById(id: string): Promise<Alert | null> {
    return this.alerts.findOneBy({ id });
  }

  /** open -> acknowledged; false when the alert is missing or not open. */
  async acknowledge(id: string, by: string | null): Promise<boolean> {
    const result = await this.alerts
      .createQueryBuilder()
      .update(Alert)
      .set({
        status: 'acknowledged',
        acknowledgedBy: by,
        acknowledgedAt: () => 'now()',
        updatedAt: () => 'now()',
      })
      .where('id = :id AND status = :open', { id, open: 'open' })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** open or acknowledged -> resolved; false when the alert is missing or already resolved. */
  async resolveById(id: string): Promise<boolean> {
    const result = await this.alerts
      .createQueryBuilder()
      .update(Alert)
      .set({ status: 'resolved', resolvedAt: () => 'now()', updatedAt: () => 'now()' })
      .where(`id = :id AND status <> 'resolved'`, { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Newest first; `limit + 1` rows are read so the caller knows whether a next page exists. */
  list(filter: AlertListFilter): Promise<Alert[]> {
    const query = this.alerts
      .createQueryBuilder('a')
      .orderBy('a.created_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(filter.limit + 1);
    if (filter.status) query.andWhere('a.status = :status', { status: filter.status });
    if (filter.kind) query.andWhere('a.kind = :kind', { kind: filter.kind });
    if (filter.pageId) query.andWhere('a.page_id = :pageId', { pageId: filter.pageId });
    if (filter.after) {
      query.andWhere('(a.created_at, a.id) < (:afterAt, :afterId)', {
        afterAt: filter.after.createdAt,
        afterId: filter.after.id,
      });
    }
    return query.getMany();
  }

  /** Deletes resolved alerts older than `days`, a batch per statement so no lock is held for long. */
  async pruneResolved(days: number, batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [, deleted] = await this.alerts.query<[unknown, number]>(
        `DELETE FROM alerts WHERE id IN (
           SELECT id FROM alerts
           WHERE status = 'resolved' AND resolved_at < now() - make_interval(days => $1::int)
           LIMIT $2)`,
        [days, batchSize],
      );
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
