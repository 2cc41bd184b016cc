import { Client } from 'pg';
import Redis from 'ioredis';

const HOW_TO_START = `Start them with one of:
  docker compose up -d postgres redis
  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no`;

export const baseDatabaseUrl = (): string =>
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/messenger_hub';
export const redisUrl = (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function databaseUrlFor(name: string, base = baseDatabaseUrl()): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Stops the run at once, with a way out, when Postgres or Redis is not there. */
export async function assertServicesUp(): Promise<void> {
  const pg = new Client({ connectionString: databaseUrlFor('postgres'), connectionTimeoutMillis: 3_000 });
  try {
    await pg.connect();
  } catch (error) {
    throw new Error(`Postgres is not reachable at ${baseDatabaseUrl()} (${(error as Error).message}).\n${HOW_TO_START}`);
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${redisUrl()} (${(error as Error).message}).\n${HOW_TO_START}`);
  } finally {
    redis.disconnect();
  }
}
