import { registerAs } from '@nestjs/config';
import { IsInt, IsOptional, Matches, Min } from 'class-validator';
import { assertNoProblems, parsesAsUrl, validateEnv } from './validate-env';

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
  const problems: string[] = [];
  // Caught here, by name: a URL that fails to parse later throws an error that carries the whole
  // value, password included (Node's TypeError `input`), to whatever prints it.
  if (v.DATABASE_URL !== undefined && !parsesAsUrl(v.DATABASE_URL)) {
    problems.push('DATABASE_URL: is not a valid URL (percent-encode reserved characters in the user name and password)');
  }
  assertNoProblems(problems);
  return {
    url: v.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    poolSize: v.DATABASE_POOL_SIZE ?? 10,
  };
}

export type DatabaseConfig = ReturnType<typeof loadDatabaseConfig>;
export const databaseConfig = registerAs('database', () => loadDatabaseConfig());
