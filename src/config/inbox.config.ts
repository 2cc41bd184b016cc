import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { validateEnv, type Env } from './validate-env';

class InboxEnv {
  @IsOptional()
  @IsInt({ message: 'must be a number of seconds' })
  @Min(1)
  INBOX_RECONCILE_SECONDS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of seconds' })
  @Min(0)
  INBOX_STALE_SECONDS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of days' })
  @Min(2)
  @Max(3650)
  INBOX_RETENTION_DAYS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of seconds' })
  @Min(60)
  INBOX_PRUNE_SECONDS?: number;
}

export function loadInboxConfig(env: Env = process.env) {
  const v = validateEnv(InboxEnv, env);
  return {
    reconcileEveryMs: (v.INBOX_RECONCILE_SECONDS ?? 30) * 1_000,
    /** A row still pending this long after receipt gets its wake-up job re-added. */
    staleSeconds: v.INBOX_STALE_SECONDS ?? 60,
    // At least 2 days: Facebook redelivers for about 36 h, and the dedup key only works while the row exists.
    retentionDays: v.INBOX_RETENTION_DAYS ?? 7,
    pruneEveryMs: (v.INBOX_PRUNE_SECONDS ?? 3_600) * 1_000,
  };
}

export type InboxConfig = ReturnType<typeof loadInboxConfig>;
export const inboxConfig = registerAs('inbox', () => loadInboxConfig());
