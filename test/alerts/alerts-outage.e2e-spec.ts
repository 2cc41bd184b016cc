import { randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bull';
import { ConfigModule } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { Queue } from 'bull';
import { Client } from 'pg';
import { AlertKind } from '../../src/alerts/alert-kind';
import { AlertsModule } from '../../src/alerts/alerts.module';
import { AlertsService } from '../../src/alerts/alerts.service';
import { configsFor } from '../../src/config/all-configs';
import { DatabaseModule } from '../../src/database/database.module';
import { LoggingModule } from '../../src/logging/logging.module';
import { QueueModule } from '../../src/queue/queue.module';
import { RedisModule } from '../../src/redis/redis.module';
import { JobName, QueueName } from '../../src/queue/queue.constants';
import { baseDatabaseUrl, redisUrl } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';
import { LogCapture } from '../support/test-app';
import { eventually } from '../support/eventually';

/** Polls until `probe` returns something truthy; fails with `what` at the deadline. */
/** Runs `fn` with extra environment variables (config is read while modules initialise). */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

const proxyFor = (url: string, defaultPort: number) => {
  const u = new URL(url);
  return new TcpProxy(u.hostname, Number(u.port || defaultPort));
};

// jest.config's per-project testTimeout does not reach tests or hooks; boot and close take seconds.
jest.setTimeout(30_000);

describe('Alerts while Postgres or Redis is down (e2e)', () => {
  const redisProxy = proxyFor(redisUrl(), 6379);
  const pgProxy = proxyFor(baseDatabaseUrl(), 5432);
  // A direct connection (not through the proxy) to check what was stored.
  const db = new Client({ connectionString: baseDatabaseUrl() });
  const capture = new LogCapture();
  let app: TestingModule;
  let alerts: AlertsService;

  beforeAll(async () => {
    await redisProxy.start();
    await pgProxy.start();
    await db.connect();
    // Only the alerts feature and what it needs: other features' jobs caught in an outage are theirs
    // to test, and would only make this suite's shutdown wait for them.
    app = await withEnv(
      {
        REDIS_URL: redisProxy.rewriteUrl(redisUrl()),
        DATABASE_URL: pgProxy.rewriteUrl(baseDatabaseUrl()),
        QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:alerts-outage-e2e`,
      },
      async () => {
        const moduleRef = await Test.createTestingModule({
          imports: [
            ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: configsFor() }),
            LoggingModule.forRoot(capture),
            DatabaseModule,
            RedisModule,
            QueueModule,
            AlertsModule,
          ],
        }).compile();
        moduleRef.useLogger(moduleRef.get(PinoLogger));
        await moduleRef.init();
        moduleRef.flushLogs();
        return moduleRef;
      },
    );
    alerts = app.get(AlertsService);
  });

  afterAll(async () => {
    redisProxy.restore();
    pgProxy.restore();
    await app?.close();
    await db.end();
    await redisProxy.close();
    await pgProxy.close();
  });

  const lines = () =>
    capture.lines.map((l) => JSON.parse(l) as { level: number; msg?: string; alert?: { id?: string } });

  it('stores the alert and writes the log sink itself while Redis is unreachable, then delivers once when it is back', async () => {
    const title = `Redis outage ${randomUUID()}`;
    const dedupKey = `outage:${randomUUID()}`;
    redisProxy.cut();
    await expect(
      alerts.raise({ kind: AlertKind.RedisUnavailable, severity: 'critical', title, dedupKey }),
    ).resolves.toBeUndefined();

    const { rows } = await db.query<{ id: string; occurrences: number; last_delivered_at: Date | null }>(
      'SELECT id, occurrences, last_delivered_at FROM alerts WHERE dedup_key = $1',
      [dedupKey],
    );
    expect(rows).toEqual([{ id: expect.any(String), occurrences: 1, last_delivered_at: null }]);
    const id = rows[0].id;
    expect(lines().filter((l) => l.msg === `Alert: ${title}`)).toEqual([
      expect.objectContaining({
        level: 50,
        alert: expect.objectContaining({ id, note: expect.stringContaining('logged only') }),
      }),
    ]);
    expect(lines().some((l) => l.msg === 'Alert delivery could not be scheduled' && l.alert?.id === id)).toBe(
      true,
    );

    // The claim was given back, so the next raise after Redis returns schedules the delivery.
    redisProxy.restore();
    const queue = app.get<Queue>(getQueueToken(QueueName.Alerts));
    await eventually('the queue to reconnect', () => queue.client.status === 'ready');
    await alerts.raise({ kind: AlertKind.RedisUnavailable, severity: 'critical', title, dedupKey });
    // Exactly one delivery through the queue: either the job whose add timed out reached Redis after
    // all (and confirmed its claim), or this raise claimed a new one and the old job stands down.
    const jobs = await eventually('the delivery jobs to finish', async () => {
      const all = (await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).filter(
        (j) => j?.name === (JobName.DeliverAlert as string) && j.data.alertId === id,
      );
      const states = await Promise.all(all.map((j) => j.getState()));
      return all.length > 0 && states.every((state) => state === 'completed') ? all : false;
    });
    expect(jobs.length).toBeGreaterThan(0);
    const delivered = lines().filter((l) => l.msg === `Alert: ${title}` && !('note' in (l.alert ?? {})));
    expect(delivered).toHaveLength(1);
  });

  it('returns without throwing and logs at error level when Postgres is unreachable', async () => {
    const title = `Postgres outage ${randomUUID()}`;
    pgProxy.cut();
    try {
      await expect(
        alerts.raise({
          kind: AlertKind.EventFailed,
          severity: 'warning',
          title,
          dedupKey: `pg:${randomUUID()}`,
        }),
      ).resolves.toBeUndefined();
      await expect(alerts.resolve('pg:anything')).resolves.toBeUndefined();
    } finally {
      pgProxy.restore();
    }
    const failures = lines().filter((l) => l.msg === 'Alert could not be stored');
    expect(failures).toHaveLength(1);
    expect(failures[0].level).toBe(50);
    expect(lines().some((l) => l.msg === 'Alert could not be resolved')).toBe(true);
    const { rowCount } = await db.query('SELECT 1 FROM alerts WHERE title = $1', [title]);
    expect(rowCount).toBe(0);
  });
});
