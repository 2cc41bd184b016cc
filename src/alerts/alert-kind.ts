/**
 * What went wrong. Stored as text so a new kind needs no migration; this enum is the list the API
 * accepts and filters by.
 */
export enum AlertKind {
  SendFailed = 'send_failed',
  PageTokenInvalid = 'page_token_invalid',
  PageUnsubscribed = 'page_unsubscribed',
  PagePermissionMissing = 'page_permission_missing',
  PagePaused = 'page_paused',
  EventFailed = 'event_failed',
  QueueBacklog = 'queue_backlog',
  WebhookErrors = 'webhook_errors',
  RedisUnavailable = 'redis_unavailable',
  AuthFailures = 'auth_failures',
}

export const ALERT_KINDS: readonly AlertKind[] = Object.values(AlertKind);

export const ALERT_SEVERITIES = ['warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/**
 * `acknowledged` still counts as unresolved: further raises count up on the same row (no new alert,
 * no repeat page), until the condition clears (`resolve`) or an operator resolves it.
 */
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
