import { randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { Client } from 'pg';
import { AlertKind } from '../src/alerts/alert-kind';
import { AlertsService } from '../src/alerts/alerts.service';
import { QueueName } from '../src/queue/queue.constants';
import { baseDatabaseUrl, redisUrl } from './support/services';
import { TcpProxy } from './support/tcp-proxy';
import { startTestApp, type TestApp } from './support/test-app';

/** Polls until `probe` returns something truthy; fails with `what` at the deadline. */
async function eventually<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const proxyFor = (url: string, defaultPort: number) => {
  const u = new URL(url);
  return new TcpProxy(u.hostname, Number(u.port || defaultPort));
};

describe('Alerts while Postgres or Redis is down (e2e)', () => {
  const redisProxy = proxyFor(redisUrl(), 6379);
  const pgProxy = proxyFor(baseDatabaseUrl(), 5432);
  // A direct connection (not through the proxy) to check what was stored.
  const db = new Client({ connectionString: baseDatabaseUrl() });
  let t: TestApp;
  let alerts: AlertsService;

  beforeAll(async () => {
    await redisProxy.start();
    await pgProxy.start();
    await db.connect();
    t = await startTestApp({
      REDIS_URL: redisProxy.rewriteUrl(redisUrl()),
      DATABASE_URL: pgProxy.rewriteUrl(baseDatabaseUrl()),
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}:alerts-outage-e2e`,
    });
    t.app.flushLogs();
    alerts = t.app.get(AlertsService);
  });

  afterAll(async () => {
    redisProxy.restore();
    pgProxy.restore();
    await t?.close();
    await db.end();
    await redisProxy.close();
    await pgProxy.close();
  });

  const lines = () =>
    t.logs.map((l) => JSON.parse(l) as { level: number; msg?: string; alert?: { id?: string } });

  it('stores the alert and writes the log sink itself while Redis is unreachable, then delivers once it is back', async () => {
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
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Alerts));
    await eventually('the queue to reconnect', () => queue.client.status === 'ready');
    await alerts.raise({ kind: AlertKind.RedisUnavailable, severity: 'critical', title, dedupKey });
    await eventually('a delivery through the queue', () =>
      lines().some((l) => l.msg === `Alert: ${title}` && l.alert?.id === id && !('note' in (l.alert ?? {}))),
    );
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
