import { registerAs } from '@nestjs/config';
import { IsBoolean, IsInt, IsOptional, IsUrl, Matches, Max, Min } from 'class-validator';
import { validateEnv, type Env } from './validate-env';

class InboundEnv {
  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(1_000)
  INBOUND_CONCURRENCY?: number;

  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(100)
  INBOUND_MAX_ATTEMPTS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(10)
  INBOUND_RETRY_BASE_MS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(10)
  INBOUND_RETRY_MAX_MS?: number;

  @IsOptional()
  @IsInt({ message: 'must be a number of seconds' })
  @Min(1)
  INBOUND_REVIVE_SECONDS?: number;

  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/i, { message: 'must be a bot name (letters, digits, _ or -)' })
  INBOUND_DEFAULT_BOT?: string;

  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  BOT_EXAMPLE_ENABLED?: boolean;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  BOT_ACCOUNT_LINK_URL?: string;
}

export function loadInboundConfig(env: Env = process.env) {
  const v = validateEnv(InboundEnv, env);
  return {
    /** Conversations one worker process handles at once (each holds one Postgres connection meanwhile). */
    concurrency: v.INBOUND_CONCURRENCY ?? 20,
    maxAttempts: v.INBOUND_MAX_ATTEMPTS ?? 5,
    /** Backoff after a throwing handler: base * 2^(attempt-1), capped. */
    retryBaseMs: v.INBOUND_RETRY_BASE_MS ?? 1_000,
    retryMaxMs: v.INBOUND_RETRY_MAX_MS ?? 5 * 60_000,
    /** How often conversations left `processing` by a crashed worker are woken again. */
    reviveEveryMs: (v.INBOUND_REVIVE_SECONDS ?? 30) * 1_000,
    /** The bot of a Page that names none. */
    defaultBot: v.INBOUND_DEFAULT_BOT ?? 'example',
    // Production deployments with their own bots switch the example off.
    exampleBotEnabled: v.BOT_EXAMPLE_ENABLED ?? true,
    accountLinkUrl: v.BOT_ACCOUNT_LINK_URL ?? 'http://localhost:3000/link',
  };
}

export type InboundConfig = ReturnType<typeof loadInboundConfig>;
export const inboundConfig = registerAs('inbound', () => loadInboundConfig());
