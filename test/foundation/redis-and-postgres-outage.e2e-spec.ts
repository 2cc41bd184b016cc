import { getQueueToken, getSharedConfigToken, type BullRootModuleOptions } from '@nestjs/bull';
import Bull, { type Queue } from 'bull';
import { QueueName } from '../../src/queue/queue.constants';
import { eventually } from '../support/eventually';
import { baseDatabaseUrl, redisUrl } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, type TestApp } from '../support/test-app';

const proxyFor = (url: string) => {
  const u = new URL(url);
  return new TcpProxy(u.hostname, Number(u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)));
};

async function ready(t: TestApp) {
  const res = await t.app.inject({ method: 'GET', url: '/health/ready' });
  return { status: res.statusCode, body: res.json() };
}

/** The readiness answer once it has `status`; a timeout names the last answer seen. */
async function readyWith(t: TestApp, status: number): Promise<Awaited<ReturnType<typeof ready>>> {
  let last: Awaited<ReturnType<typeof ready>> | undefined;
  return eventually(
    () => `/health/ready to answer ${status} (last: ${JSON.stringify(last)})`,
    async () => {
      last = await ready(t);
      return last.status === status ? last : undefined;
    },
    10_000,
    100,
  );
}

describe('Redis outage (e2e)', () => {
  const proxy = proxyFor(redisUrl());
  let t: TestApp;
  let probeQueue: Queue<{ n: number }> | undefined;
  const processed: number[] = [];

  beforeAll(async () => {
    await proxy.start();
    t = await startTestApp({ REDIS_URL: proxy.rewriteUrl(redisUrl()) });
    // A queue built from the app's own Bull root options (prefix, createClient), with a processor, so
    // the blocking client that waits for jobs is exercised across the outage too.
    const shared = t.app.get<BullRootModuleOptions>(getSharedConfigToken(), { strict: false });
    probeQueue = new Bull<{ n: number }>('foundation-redis-probe', shared);
    void probeQueue.process((job) => {
      processed.push(job.data.n);
      return Promise.resolve();
    });
    probeQueue.on('error', () => undefined);
    await probeQueue.isReady();
  });

  afterAll(async () => {
    proxy.restore();
    await probeQueue?.close();
    await t?.close();
    await proxy.close();
  });

  /** The app's registered queues (other modules register them), found by name. */
  function appQueues(): Queue[] {
    const queues: Queue[] = [];
    for (const name of Object.values(QueueName)) {
      try {
        queues.push(t.app.get<Queue>(getQueueToken(name), { strict: false }));
      } catch {
        // not registered by any module (yet)
      }
    }
    return queues;
  }

  it('is ready, then 503 naming redis while Redis is unreachable, then ready again without a restart', async () => {
    // Ready once the app's Redis client has connected (it connects in the background at boot).
    expect(await readyWith(t, 200)).toMatchObject({ status: 200 });
    await probeQueue!.add({ n: 1 });
    await eventually('job 1 to be processed', () => processed.length === 1, 10_000, 100);
    expect(processed).toEqual([1]);

    proxy.cut();
    const down = await readyWith(t, 503);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Not ready: redis down',
      code: 'not_ready',
      info: { postgres: { status: 'up' } },
      down: { redis: { status: 'down', message: expect.any(String) } },
    });
    expect(down.body.down.postgres).toBeUndefined();

    proxy.restore();
    const restoredAt = Date.now();
    const up = await readyWith(t, 200);
    expect(up).toMatchObject({ status: 200, body: { info: { postgres: { status: 'up' }, redis: { status: 'up' } } } });
    expect(Date.now() - restoredAt).toBeLessThan(10_000);

    // Bull's clients (including the blocking one) reconnected on their own: a new job is processed.
    await probeQueue!.add({ n: 2 });
    await eventually('job 2 to be processed', () => processed.length === 2, 10_000, 100);
    expect(processed).toEqual([1, 2]);

    // Every queue the app registered answers commands again.
    for (const queue of appQueues()) {
      await expect(queue.getJobCounts()).resolves.toEqual(expect.objectContaining({ waiting: expect.any(Number) }));
    }
  });
});

describe('Postgres outage (e2e)', () => {
  const proxy = proxyFor(baseDatabaseUrl());
  let t: TestApp;

  beforeAll(async () => {
    await proxy.start();
    t = await startTestApp({ DATABASE_URL: proxy.rewriteUrl(baseDatabaseUrl()) });
  });

  afterAll(async () => {
    proxy.restore();
    await t?.close();
    await proxy.close();
  });

  it('answers 503 naming postgres while Postgres is unreachable, then ready again', async () => {
    expect(await ready(t)).toMatchObject({ status: 200 });

    proxy.cut();
    const down = await readyWith(t, 503);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      statusCode: 503,
      message: 'Not ready: postgres down',
      info: { redis: { status: 'up' } },
      down: { postgres: { status: 'down' } },
    });
    expect(down.body.down.redis).toBeUndefined();

    proxy.restore();
    const up = await readyWith(t, 200);
    expect(up.status).toBe(200);
  });
});
