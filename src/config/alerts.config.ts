import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, IsUrl, Max, Min } from 'class-validator';
import { assertNoProblems, requireHttpsInProduction, validateEnv, type Env } from './validate-env';

class AlertsEnv {
  // Slack webhook URLs carry their secret in the path: the value is never logged or echoed.
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  ALERT_WEBHOOK_URL?: string;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(100)
  ALERT_WEBHOOK_TIMEOUT_MS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number of minutes' })
  @Min(1)
  ALERT_REPEAT_MINUTES?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(1)
  ALERT_DELIVERY_BACKOFF_MS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(50)
  ALERT_DELIVERY_ATTEMPTS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number of days' })
  @Min(1)
  ALERT_RETENTION_DAYS?: number;
}

export function loadAlertsConfig(env: Env = process.env) {
  const v = validateEnv(AlertsEnv, env);
  const problems: string[] = [];
  // The URL is the credential: over plain http anyone on the path could post alerts.
  requireHttpsInProduction(env, 'ALERT_WEBHOOK_URL', v.ALERT_WEBHOOK_URL, problems);
  assertNoProblems(problems);
  return {
    /** Slack-compatible incoming webhook; no HTTP sink when unset. Secret: never log it. */
    webhookUrl: v.ALERT_WEBHOOK_URL ?? null,
    webhookTimeoutMs: v.ALERT_WEBHOOK_TIMEOUT_MS ?? 5_000,
    /** An unresolved alert that keeps happening is delivered again at most this often. */
    repeatMinutes: v.ALERT_REPEAT_MINUTES ?? 60,
    deliveryBackoffMs: v.ALERT_DELIVERY_BACKOFF_MS ?? 5_000,
    deliveryAttempts: v.ALERT_DELIVERY_ATTEMPTS ?? 8,
    retentionDays: v.ALERT_RETENTION_DAYS ?? 30,
  };
}

export type AlertsConfig = ReturnType<typeof loadAlertsConfig>;
export const alertsConfig = registerAs('alerts', () => loadAlertsConfig());
