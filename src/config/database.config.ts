import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Matches, Min } from 'class-validator';
import { validateEnv } from './validate-env';

class DatabaseEnv {
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  DATABASE_POOL_SIZE?: number;
}

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/messenger_hub';

export function loadDatabaseConfig(env = process.env) {
  const v = validateEnv(DatabaseEnv, env);
  return {
    url: v.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    poolSize: v.DATABASE_POOL_SIZE ?? 10,
  };
}

export type DatabaseConfig = ReturnType<typeof loadDatabaseConfig>;
export const databaseConfig = registerAs('database', () => loadDatabaseConfig());
