import { registerAs } from '@nestjs/config';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { validateEnv, type Env } from './validate-env';

class WebhookEnv {
  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  WEBHOOK_ACCEPT_SHA1?: boolean;

  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  WEBHOOK_ERROR_ALERT_THRESHOLD?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(10)
  @Max(10_000)
  WEBHOOK_ENQUEUE_TIMEOUT_MS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(100)
  @Max(19_000)
  WEBHOOK_STORE_TIMEOUT_MS?: number;
}

export function loadWebhookConfig(env: Env = process.env) {
  const v = validateEnv(WebhookEnv, env);
  return {
    // The sha1 `X-Hub-Signature` is legacy; accepting it is an explicit choice.
    acceptSha1: v.WEBHOOK_ACCEPT_SHA1 ?? false,
    /** More ingestion failures (5xx) than this within `errorAlertWindowMs` raise `webhook_errors`. */
    errorAlertThreshold: v.WEBHOOK_ERROR_ALERT_THRESHOLD ?? 10,
    errorAlertWindowMs: 5 * 60_000,
    // Redis slow or gone must not hold Facebook's request: the rows are safe, the reconciler wakes them.
    enqueueTimeoutMs: v.WEBHOOK_ENQUEUE_TIMEOUT_MS ?? 500,
    // Facebook gives up after 20 s; answer 503 well before so it retries instead of timing out.
    storeTimeoutMs: v.WEBHOOK_STORE_TIMEOUT_MS ?? 10_000,
  };
}

export type WebhookConfig = ReturnType<typeof loadWebhookConfig>;
export const webhookConfig = registerAs('webhook', () => loadWebhookConfig());
