import { Inject, Injectable } from '@nestjs/common';
import { AlertKind } from '../alerts/alert-kind';
import { AlertsService, type RaiseAlertInput } from '../alerts/alerts.service';
import { webhookConfig, type WebhookConfig } from '../config/webhook.config';

/**
 * Raises `webhook_errors` when more than WEBHOOK_ERROR_ALERT_THRESHOLD ingestions fail (5xx) within
 * five minutes, and resolves it on a success once the window has no failures left. Counted per
 * process (the usual cause, Postgres down, hits every web process alike); Facebook itself starts
 * warning and eventually unsubscribes the app when the webhook keeps failing, so this must be loud.
 */
@Injectable()
export class WebhookErrorAlerter {
  private readonly dedupKey: string;
  /** Times (ms) of recent failures, oldest first; never longer than threshold + 1. */
  private failures: number[] = [];
  private lastRaiseAt = Number.NEGATIVE_INFINITY;
  private lastReason = '';
  /** Raised and not resolved yet. */
  private raised = false;
  /** Raised, and no ingestion has succeeded since (so maybe not stored). */
  private unconfirmed = false;

  constructor(
    private readonly alerts: AlertsService,
    @Inject(webhookConfig.KEY) private readonly config: WebhookConfig,
  ) {
    this.dedupKey = alerts.dedupKeyFor(AlertKind.WebhookErrors);
  }

  failed(reason: string, now = Date.now()): void {
    this.failures.push(now);
    this.dropOld(now);
    if (this.failures.length > this.config.errorAlertThreshold + 1) this.failures.shift();
    this.lastReason = reason;
    // Each raise writes to Postgres (often the thing that is down): at most one a minute.
    if (this.failures.length > this.config.errorAlertThreshold && now - this.lastRaiseAt >= 60_000) {
      this.lastRaiseAt = now;
      this.raised = true;
      this.unconfirmed = true;
      void this.alerts.raise(this.alert(false));
    }
  }

  succeeded(now = Date.now()): void {
    if (!this.raised) return;
    if (this.unconfirmed) {
      // A raise during a Postgres outage could not be stored: raise again now that a write worked
      // (a repeat only counts up on the open alert), so the operator sees it happened.
      this.unconfirmed = false;
      void this.alerts.raise(this.alert(true));
    }
    this.dropOld(now);
    if (this.failures.length > 0) return;
    this.raised = false;
    void this.alerts.resolve(this.dedupKey);
  }

  private alert(recovered: boolean): RaiseAlertInput {
    return {
      kind: AlertKind.WebhookErrors,
      severity: 'critical',
      title:
        'Webhook ingestion is failing: Facebook gets errors and will unsubscribe the app if it continues',
      details: {
        failuresInWindow: this.failures.length,
        threshold: this.config.errorAlertThreshold,
        windowMinutes: this.config.errorAlertWindowMs / 60_000,
        reason: this.lastReason,
        recovered,
      },
      dedupKey: this.dedupKey,
    };
  }

  private dropOld(now: number): void {
    const from = now - this.config.errorAlertWindowMs;
    while (this.failures.length > 0 && this.failures[0] <= from) this.failures.shift();
  }
}
