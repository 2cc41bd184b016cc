import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { alertsConfig, type AlertsConfig } from '../config/alerts.config';
import { JobName, QueueName, type JobOf } from '../queue/queue.constants';
import { sanitizeDedupKey, sanitizeDetails, sanitizeTitle } from './alert-details';
import { deliverAlertJobOptions, ENQUEUE_TIMEOUT_MS, withTimeout } from './alert-jobs';
import type { AlertKind, AlertSeverity } from './alert-kind';
import { AlertLogSink } from './alert-log.sink';
import { AlertsRepository, type AlertOccurrence, type RecordedOccurrence } from './alerts.repository';

export interface RaiseAlertInput {
  kind: AlertKind;
  severity: AlertSeverity;
  pageId?: string;
  title: string;
  /** Context for the operator; redacted before storage, but pass ids and codes, not secrets. */
  details?: Record<string, unknown>;
  /** Defaults to `${kind}:${pageId ?? '-'}`. */
  dedupKey?: string;
}

/**
 * The one place operator alerts are raised. Callers are usually already handling a failure, so
 * neither method ever throws, and delivery to the sinks happens later in a Bull job.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    private readonly alerts: AlertsRepository,
    private readonly logSink: AlertLogSink,
    @InjectQueue(QueueName.Alerts) private readonly queue: Queue<JobOf<JobName.DeliverAlert>>,
    @Inject(alertsConfig.KEY) private readonly config: AlertsConfig,
  ) {}

  dedupKeyFor(kind: AlertKind, pageId?: string): string {
    return `${kind}:${pageId ?? '-'}`;
  }

  /** Stores the occurrence (a repeat counts up on the unresolved alert) and schedules its delivery. */
  async raise(input: RaiseAlertInput): Promise<void> {
    let occurrence: AlertOccurrence;
    let recorded: RecordedOccurrence;
    try {
      occurrence = {
        kind: input.kind,
        severity: input.severity === 'critical' ? 'critical' : 'warning',
        pageId: input.pageId ?? null,
        title: sanitizeTitle(input.title, input.kind),
        details: sanitizeDetails(input.details),
        dedupKey: sanitizeDedupKey(input.dedupKey ?? this.dedupKeyFor(input.kind, input.pageId)),
      };
      recorded = await this.alerts.recordOccurrence(occurrence, this.config.repeatMinutes);
    } catch (error) {
      this.logger.error(
        { error: describe(error), alert: { kind: input.kind, pageId: input.pageId ?? null } },
        'Alert could not be stored',
      );
      return;
    }
    if (recorded.deliver) await this.scheduleDelivery(occurrence, recorded);
  }

  /** The condition behind `dedupKey` cleared: close its alert; the next raise opens a new one. */
  async resolve(dedupKey: string): Promise<void> {
    try {
      const id = await this.alerts.resolveByDedupKey(sanitizeDedupKey(dedupKey));
      if (id) this.logger.log({ alert: { id, dedupKey: sanitizeDedupKey(dedupKey) } }, 'Alert resolved');
    } catch (error) {
      this.logger.error({ error: describe(error) }, 'Alert could not be resolved');
    }
  }

  private async scheduleDelivery(occurrence: AlertOccurrence, recorded: RecordedOccurrence): Promise<void> {
    const { alertId, occurrence: n } = recorded;
    try {
      await withTimeout(
        this.queue.add(
          JobName.DeliverAlert,
          { alertId, occurrence: n },
          deliverAlertJobOptions(this.config, alertId, n),
        ),
        ENQUEUE_TIMEOUT_MS,
        'The alerts queue',
      );
    } catch (error) {
      // Redis is unavailable: the log sink needs no queue, so write it now, and give the claim back so
      // the next raise tries to schedule the other sinks again.
      this.logSink.write(
        { id: alertId, ...occurrence, occurrences: n },
        'delivery could not be scheduled; logged only',
      );
      this.logger.error(
        { error: describe(error), alert: { id: alertId } },
        'Alert delivery could not be scheduled',
      );
      await this.alerts.releaseDeliveryClaim(alertId, n).catch((releaseError: unknown) => {
        this.logger.error(
          { error: describe(releaseError), alert: { id: alertId } },
          'Alert delivery claim kept',
        );
      });
    }
  }
}

/** Class and message only (redacted by the logger): enough to diagnose, no stack of our callers. */
function describe(error: unknown): { type: string; message: string } {
  return error instanceof Error
    ? { type: error.name, message: error.message }
    : { type: 'unknown', message: String(error) };
}
