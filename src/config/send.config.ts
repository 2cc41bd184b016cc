import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { assertNoProblems, validateEnv, type Env } from './validate-env';

class SendEnv {
  @IsOptional()
  @Matches(/^\s*[A-Z_]+(\s*,\s*[A-Z_]+)*\s*$/, {
    message: 'must be a comma-separated list of tags like ACCOUNT_UPDATE',
  })
  SEND_ALLOWED_TAGS?: string;

  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(100)
  SEND_MAX_ATTEMPTS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(1)
  SEND_RETRY_BASE_MS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(1)
  SEND_RETRY_MAX_MS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(1)
  SEND_THROTTLE_BASE_MS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  SEND_MAX_THROTTLED?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(500)
  SEND_CONCURRENCY?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number of sends per second' })
  @Min(1)
  @Max(10_000)
  SEND_PAGE_RATE_PER_SECOND?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of seconds' })
  @Min(15)
  SEND_STALE_SENDING_SECONDS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of seconds' })
  @Min(1)
  SEND_STALE_QUEUED_SECONDS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(100)
  SEND_SWEEP_INTERVAL_MS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of days' })
  @Min(1)
  OUTBOX_RETENTION_DAYS?: number;
}

/** The tags Facebook documents today; several others are being retired, so the list is configurable. */
export const DEFAULT_SEND_ALLOWED_TAGS = [
  'ACCOUNT_UPDATE',
  'CONFIRMED_EVENT_UPDATE',
  'POST_PURCHASE_UPDATE',
  'HUMAN_AGENT',
];

export function loadSendConfig(env: Env = process.env) {
  const v = validateEnv(SendEnv, env);
  const problems: string[] = [];
  const retryBaseMs = v.SEND_RETRY_BASE_MS ?? 2_000;
  const retryMaxMs = v.SEND_RETRY_MAX_MS ?? 900_000;
  if (retryMaxMs < retryBaseMs)
    problems.push('SEND_RETRY_MAX_MS: must not be smaller than SEND_RETRY_BASE_MS');
  assertNoProblems(problems);
  return {
    allowedTags: v.SEND_ALLOWED_TAGS
      ? v.SEND_ALLOWED_TAGS.split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : DEFAULT_SEND_ALLOWED_TAGS,
    maxAttempts: v.SEND_MAX_ATTEMPTS ?? 8,
    retryBaseMs,
    retryMaxMs,
    // Throttling answers wait at least this long (or Facebook's Retry-After) and never consume an attempt;
    // `maxThrottled` only stops a message that has been throttled absurdly often.
    throttleBaseMs: v.SEND_THROTTLE_BASE_MS ?? 5_000,
    maxThrottled: v.SEND_MAX_THROTTLED ?? 100,
    concurrency: v.SEND_CONCURRENCY ?? 20,
    // MESSENGER.md: 300 calls/s per Page for text; stay under it.
    pageRatePerSecond: v.SEND_PAGE_RATE_PER_SECOND ?? 250,
    // Must stay well above GRAPH_API_TIMEOUT_MS: a row `sending` for longer means its worker died.
    staleSendingSeconds: v.SEND_STALE_SENDING_SECONDS ?? 120,
    staleQueuedSeconds: v.SEND_STALE_QUEUED_SECONDS ?? 60,
    sweepIntervalMs: v.SEND_SWEEP_INTERVAL_MS ?? 30_000,
    retentionDays: v.OUTBOX_RETENTION_DAYS ?? 7,
  };
}

export type SendConfig = ReturnType<typeof loadSendConfig>;
export const sendConfig = registerAs('send', () => loadSendConfig());
