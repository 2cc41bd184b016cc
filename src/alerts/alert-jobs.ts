import type { JobOptions } from 'bull';
import { withTimeout as settleWithin } from '../common/with-timeout';
import type { AlertsConfig } from '../config/alerts.config';

/** raise() waits this long for Redis before giving up on scheduling a delivery. */
export const ENQUEUE_TIMEOUT_MS = 2_000;

export const PRUNE_ALERTS_EVERY_MS = 60 * 60 * 1_000;
export const PRUNE_ALERTS_BATCH = 1_000;

/** One job per claimed delivery: the job id makes a re-add of the same claim a no-op. */
export function deliverAlertJobOptions(
  config: AlertsConfig,
  alertId: string,
  occurrence: number,
): JobOptions {
  return {
    jobId: `${alertId}:${occurrence}`,
    attempts: config.deliveryAttempts,
    backoff: { type: 'exponential', delay: config.deliveryBackoffMs },
  };
}

/** Rejects when `promise` has not settled within `ms` (Bull's add waits forever while Redis is down). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return settleWithin(promise, ms, `${what} did not answer within ${ms} ms`);
}
