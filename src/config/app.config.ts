import { registerAs } from '@nestjs/config';
import { IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { isProduction, validateEnv } from './validate-env';

export const APP_ROLES = ['all', 'web', 'worker'] as const;
export type AppRole = (typeof APP_ROLES)[number];

class AppEnv {
  @IsOptional()
  @IsIn(['development', 'production', 'test'], { message: 'must be one of development, production, test' })
  NODE_ENV?: string;

  @IsOptional()
  @IsIn(APP_ROLES, { message: 'must be one of all, web, worker' })
  APP_ROLE?: AppRole;

  @IsOptional()
  @IsInt({ message: 'must be a port number' })
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL?: string;

  @IsOptional()
  @Matches(/^\d+\s*(b|kb|mb)?$/i, { message: 'must be a size in bytes, or with kb/mb, e.g. 1mb' })
  WEBHOOK_BODY_LIMIT?: string;

  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  DATABASE_AUTO_MIGRATE?: boolean;

  @IsOptional()
  @IsInt({ message: 'must be a number of milliseconds' })
  @Min(0)
  SHUTDOWN_TIMEOUT_MS?: number;

  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  DOCS_ENABLED?: boolean;
}

export function parseByteSize(text: string): number {
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text}`);
  const unit = (match[2] ?? 'b').toLowerCase();
  return Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}

export function loadAppConfig(env = process.env) {
  const v = validateEnv(AppEnv, env);
  const production = isProduction(env);
  return {
    nodeEnv: v.NODE_ENV ?? 'development',
    production,
    role: v.APP_ROLE ?? 'all',
    port: v.PORT ?? 3000,
    logLevel: v.LOG_LEVEL ?? (production ? 'info' : 'debug'),
    webhookBodyLimit: parseByteSize(v.WEBHOOK_BODY_LIMIT ?? '1mb'),
    // Development creates the database and applies migrations at boot; production runs
    // `npm run migration:run` (the compose file's one-shot `migrate` service) instead.
    autoMigrate: v.DATABASE_AUTO_MIGRATE ?? !production,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS ?? 25_000,
    // Serve the OpenAPI page (/docs, /docs-json) on the web role; a deployment can hide it.
    docsEnabled: v.DOCS_ENABLED ?? true,
  };
}

export type AppConfig = ReturnType<typeof loadAppConfig>;
export const appConfig = registerAs('app', () => loadAppConfig());
