import { Injectable, Logger } from '@nestjs/common';
import { AlertLogSink } from './alert-log.sink';
import { buildSlackMessage } from './alert-message';
import { AlertsRepository } from './alerts.repository';
import { SlackWebhookSink } from './slack-webhook.sink';

/** Delivers one claimed occurrence of an alert to every sink. */
@Injectable()
export class AlertDeliveryService {
  private readonly logger = new Logger(AlertDeliveryService.name);

  constructor(
    private readonly alerts: AlertsRepository,
    private readonly logSink: AlertLogSink,
    private readonly webhook: SlackWebhookSink,
  ) {}

  /**
   * Writes the log line on the first attempt only, then posts to the webhook; throws when the webhook
   * fails so the job is retried. Built from the stored row, never from the caller's input.
   */
  async deliver(alertId: string, occurrence: number, firstAttempt: boolean): Promise<void> {
    const alert = await this.alerts.findById(alertId);
    if (!alert) {
      this.logger.warn({ alert: { id: alertId } }, 'Alert to deliver no longer exists');
      return;
    }
    if (alert.deliveredOccurrence !== occurrence) {
      // A later raise claimed a newer delivery (repeat window, escalation, or a claim given back while
      // Redis was down); that job delivers the current state, this one would page twice.
      this.logger.log({ alert: { id: alertId, occurrence } }, 'Alert delivery superseded');
      return;
    }
    if (firstAttempt) {
      await this.alerts.confirmDeliveryClaim(alertId, occurrence);
      const { id, kind, severity, pageId, title, dedupKey, status, details, occurrences } = alert;
      this.logSink.write({
        id,
        kind,
        severity,
        pageId,
        title,
        dedupKey,
        status,
        details,
        occurrences,
        occurrence,
      });
    }
    if (!this.webhook.enabled) return;
    // A retry that outlived the problem (resolved) or reached a person (acknowledged) would only be noise.
    if (alert.status !== 'open') {
      this.logger.log({ alert: { id: alertId, status: alert.status } }, 'Alert webhook delivery skipped');
      return;
    }
    await this.webhook.post(buildSlackMessage(alert));
  }
}
