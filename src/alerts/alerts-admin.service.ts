import { Injectable } from '@nestjs/common';
import { decodeAlertCursor, encodeAlertCursor } from './alert-cursor';
import type { AlertStatus } from './alert-kind';
import type { Alert } from './alert.entity';
import { AlertAlreadyResolvedError, AlertNotFoundError } from './alert.errors';
import { AlertsRepository } from './alerts.repository';

export interface AlertListQuery {
  status?: AlertStatus;
  kind?: string;
  pageId?: string;
  cursor?: string;
  limit?: number;
}

/** What operators do with alerts through the admin API. */
@Injectable()
export class AlertsAdminService {
  constructor(private readonly alerts: AlertsRepository) {}

  async list(query: AlertListQuery): Promise<{ items: Alert[]; nextCursor: string | null }> {
    const limit = query.limit ?? 50;
    const rows = await this.alerts.list({
      status: query.status,
      kind: query.kind,
      pageId: query.pageId,
      after: query.cursor ? decodeAlertCursor(query.cursor) : undefined,
      limit,
    });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > limit && last ? encodeAlertCursor({ createdAt: last.createdAt, id: last.id }) : null;
    return { items, nextCursor };
  }

  async findById(id: string): Promise<Alert> {
    const alert = await this.alerts.findById(id);
    if (!alert) throw new AlertNotFoundError(id);
    return alert;
  }

  /** Idempotent for an acknowledged alert; a resolved one cannot be acknowledged (409). */
  async acknowledge(id: string, by: string | null): Promise<Alert> {
    const changed = await this.alerts.acknowledge(id, by);
    const alert = await this.findById(id);
    if (!changed && alert.status === 'resolved') throw new AlertAlreadyResolvedError(id);
    return alert;
  }

  /** Idempotent; the next raise with the same dedup key opens a new alert. */
  async resolve(id: string): Promise<Alert> {
    await this.alerts.resolveById(id);
    return this.findById(id);
  }
}
