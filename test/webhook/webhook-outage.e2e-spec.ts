import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { Client } from 'pg';
import { AlertKind } from '../../src/alerts/alert-kind';
import { AlertsService } from '../../src/alerts/alerts.service';
import { InboxReconciler } from '../../src/inbox/inbox-reconciler';
import { InboxWakeups } from '../../src/inbox/inbox-wakeups';
import { QueueName } from '../../src/queue/queue.constants';
import { WebhookMetrics } from '../../src/webhook/webhook.metrics';
import { baseDatabaseUrl, redisUrl } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';
import type { TestApp } from '../support/test-app';
import { fifteenEventBody, postWebhook, startWebhookApp } from '../support/webhook-fixtures';
import { eventually } from '../support/eventually';

jest.setTimeout(60_000);

const proxyFor = (url: string, defaultPort: number) => {
  const u = new URL(url);
  return new TcpProxy(u.hostname, Number(u.port || defaultPort));
};

// A direct connection (never through a proxy) to see what was really stored.
const db = new Client({ connectionString: baseDatabaseUrl() });
beforeAll(() => db.connect());
afterAll(() => db.end());

const rowsOf = async (pages: string[]) =>
  (
    await db.query<{ id: string; status: string }>(
      'SELECT id, status FROM inbound_events WHERE page_id = ANY($1) ORDER BY id',
      [pages],
    )
  ).rows;

describe('Webhook while Redis is down (e2e)', () => {
  const proxy = proxyFor(redisUrl(), 6379);
  let t: TestApp;
  let queue: Queue;
  let wakeupsQueue: Queue;

  beforeAll(async () => {
    await proxy.start();
    t = await startWebhookApp('webhook-redis-outage', {
      REDIS_URL: proxy.rewriteUrl(redisUrl()),
      INBOX_STALE_SECONDS: '0',
    });
    queue = t.app.get<Queue>(getQueueToken(QueueName.Inbound));
    // The very queue instance the webhook adds to (modules may each register their own).
    const wakeups: unknown = t.app.get(InboxWakeups);
    wakeupsQueue = (wakeups as { queue: Queue }).queue;
  });
  afterAll(async () => {
    proxy.restore();
    await t?.close();
    await proxy.close();
  });

  it('still answers 200 with the rows pending, and the reconciler wakes them all once Redis is back', async () => {
    const metrics = t.app.get(WebhookMetrics);
    const failuresBefore = metrics.wakeupFailures;
    proxy.cut();
    await eventually('Bull to notice the outage', () => wakeupsQueue.client.status !== 'ready');

    const { body, pages } = fifteenEventBody();
    const res = await postWebhook(t, body);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('EVENT_RECEIVED');
    const rows = await rowsOf(pages);
    expect(rows).toHaveLength(15);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    expect(metrics.wakeupFailures).toBe(failuresBefore + 1);
    expect(t.logs.some((l) => l.includes('the inbox reconciler will add them'))).toBe(true);

    proxy.restore();
    await eventually(
      'Bull to reconnect',
      () => wakeupsQueue.client.status === 'ready' && queue.client.status === 'ready',
    );
    const jobs = await Promise.all(rows.map((r) => queue.getJob(r.id)));
    expect(jobs.filter(Boolean)).toHaveLength(0);

    const result = await t.app.get(InboxReconciler).reconcile();
    expect(result.woken).toBeGreaterThanOrEqual(15);
    for (const row of rows) {
      const job = await queue.getJob(row.id);
      expect(job?.data).toEqual({ eventId: row.id });
    }

    // A second run finds the jobs waiting and adds nothing for these rows.
    const timestamps = await Promise.all(rows.map(async (r) => (await queue.getJob(r.id))?.timestamp));
    await t.app.get(InboxReconciler).reconcile();
    expect(await Promise.all(rows.map(async (r) => (await queue.getJob(r.id))?.timestamp))).toEqual(
      timestamps,
    );
  });

  it('answers 200 without waiting when Redis accepts the connection but does not answer', async () => {
    const metrics = t.app.get(WebhookMetrics);
    const failuresBefore = metrics.wakeupFailures;
    const stuck = jest.spyOn(wakeupsQueue, 'addBulk').mockReturnValue(new Promise(() => undefined));
    try {
      const { body, pages } = fifteenEventBody();
      const res = await postWebhook(t, body);
      expect(res.statusCode).toBe(200);
      expect(await rowsOf(pages)).toHaveLength(15);
      expect(metrics.wakeupFailures).toBe(failuresBefore + 1);
    } finally {
      stuck.mockRestore();
    }
  });
});

describe('Webhook while Postgres is down (e2e)', () => {
  const proxy = proxyFor(baseDatabaseUrl(), 5432);
  let t: TestApp;

  beforeAll(async () => {
    await proxy.start();
    t = await startWebhookApp('webhook-pg-outage', {
      DATABASE_URL: proxy.rewriteUrl(baseDatabaseUrl()),
      WEBHOOK_ERROR_ALERT_THRESHOLD: '2',
    });
  });
  afterAll(async () => {
    proxy.restore();
    await t?.close();
    await proxy.close();
  });

  it('answers 503 with Retry-After and stores nothing; the redelivery is stored whole once it is back', async () => {
    const raise = jest.spyOn(t.app.get(AlertsService), 'raise');
    const metrics = t.app.get(WebhookMetrics);
    const { body, pages } = fifteenEventBody();

    proxy.cut();
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await postWebhook(t, body);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({ statusCode: 503, code: 'inbox_unavailable' });
    }
    expect(metrics.storeFailures).toBe(3);
    expect(await rowsOf(pages)).toEqual([]);
    // More than WEBHOOK_ERROR_ALERT_THRESHOLD (2) failures within five minutes.
    expect(raise).toHaveBeenCalledTimes(1);
    expect(raise).toHaveBeenCalledWith(
      expect.objectContaining({ kind: AlertKind.WebhookErrors, severity: 'critical' }),
    );

    proxy.restore();
    const res = await eventually('Postgres to come back', async () => {
      const attempt = await postWebhook(t, body);
      return attempt.statusCode === 200 ? attempt : undefined;
    });
    expect(res.body).toBe('EVENT_RECEIVED');
    const rows = await rowsOf(pages);
    expect(rows).toHaveLength(15);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    // The alert raised while Postgres was down is raised again once a write works, so it is stored.
    expect(raise).toHaveBeenLastCalledWith(
      expect.objectContaining({
        kind: AlertKind.WebhookErrors,
        details: expect.objectContaining({ recovered: true }),
      }),
    );
  });
});
