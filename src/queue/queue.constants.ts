import type { JobOptions } from 'bull';

/** Every queue, job and payload is named here once. Payloads carry ids, never tokens or messages. */
export enum QueueName {
  Inbound = 'inbound',
  Outbound = 'outbound',
  Alerts = 'alerts',
  Maintenance = 'maintenance',
}

export enum JobName {
  HandleEvent = 'handle-event',
  SendMessage = 'send-message',
  DeliverAlert = 'deliver-alert',
  PruneAlerts = 'prune-alerts',
  ReconcileInbox = 'reconcile-inbox',
  PruneInbox = 'prune-inbox',
  CheckPages = 'check-pages',
  ReencryptTokens = 'reencrypt-tokens',
  PruneOutbox = 'prune-outbox',
  SweepOutbox = 'sweep-outbox',
  ReviveInbound = 'revive-inbound',
}

export type JobItem =
  /** A row to handle; its conversation too when the producer knows it (saves the worker a lookup). */
  | { name: JobName.HandleEvent; data: { eventId: string; pageId?: string; conversationKey?: string } }
  | { name: JobName.SendMessage; data: { messageId: string } }
  | { name: JobName.DeliverAlert; data: { alertId: string; occurrence: number } }
  | { name: JobName.PruneAlerts; data: Record<string, never> }
  | { name: JobName.ReconcileInbox; data: Record<string, never> }
  | { name: JobName.PruneInbox; data: Record<string, never> }
  | { name: JobName.CheckPages; data: Record<string, never> }
  | { name: JobName.ReencryptTokens; data: Record<string, never> }
  | { name: JobName.PruneOutbox; data: Record<string, never> }
  | { name: JobName.SweepOutbox; data: Record<string, never> }
  | { name: JobName.ReviveInbound; data: Record<string, never> };

export type JobOf<T extends JobName> = Extract<JobItem, { name: T }>['data'];

/**
 * The options of each job kind whose options do not depend on configuration (alert deliveries take
 * theirs from ALERT_DELIVERY_*: alerts/alert-jobs.ts).
 */
export const JOB_OPTIONS = {
  /**
   * A wake-up only says "row N is waiting"; the row's status is the truth. Finished jobs are removed
   * so the id is free again: a job id that still exists makes a re-add a no-op, which is what dedups
   * redeliveries while the job waits, but would stop the reconciler from waking the row later.
   */
  [JobName.HandleEvent]: { removeOnComplete: true, removeOnFail: true },
  /**
   * Our own retries decide everything; Bull runs each job once. A completed send job is removed at
   * once (the outbox row is the record).
   */
  [JobName.SendMessage]: { attempts: 1, removeOnComplete: true, removeOnFail: 5_000 },
} satisfies Partial<Record<JobName, JobOptions>>;

/** Defaults every job gets: keep Redis small, keep recent failures for inspection. */
export const BASE_JOB_OPTIONS: JobOptions = {
  removeOnComplete: 1_000,
  removeOnFail: 5_000,
};
