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

/** Defaults every job gets: keep Redis small, keep recent failures for inspection. */
export const BASE_JOB_OPTIONS: JobOptions = {
  removeOnComplete: 1_000,
  removeOnFail: 5_000,
};
