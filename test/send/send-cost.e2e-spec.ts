import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import Redis from 'ioredis';
import { Client } from 'pg';
import { QueueName } from '../../src/queue/queue.constants';
import { FakeGraph } from '../../src/sandbox/fake-graph/fake-graph.server';
import type { OutboundMessage } from '../../src/send/outbound-message.entity';
import { OutboxRepository } from '../../src/send/outbox.repository';
import { SendScheduler } from '../../src/send/send-scheduler';
import { eventually } from '../support/eventually';
import { SendFixture, startSendApp } from './send.e2e-helpers';
import { createSpecDatabase, type SpecDatabase } from '../support/spec-database';
import type { TestApp } from '../support/test-app';

/**
 * What sending costs per message, in round trips: sends N messages against the fake Graph API and
 * counts, from "accepted" to "sent and its job finished", the app's Postgres statements and
 * transactions, its Redis commands (a Lua script counts as one here), and Bull job runs.
 *
 * SEND_COST_REPORT=1 also prints the server's own figures, which count what runs inside Lua scripts:
 * xact_commit of this spec's own database, and INFO commandstats (meaningful only when REDIS_URL is a
 * Redis nobody else uses). SEND_COST_N sets N (default 200; the commit figures used 500):
 *   REDIS_URL=redis://127.0.0.1:6390 SEND_COST_REPORT=1 SEND_COST_N=500 npx jest test/send/send-cost
 */
const N = Number(process.env.SEND_COST_N ?? 200);
const REPORT = process.env.SEND_COST_REPORT === '1';
// Postgres statistics reach pg_stat_database when a backend has been idle for up to 10 s.
const STATS_SETTLE_MS = 11_000;

jest.setTimeout(REPORT ? 300_000 : 60_000);

interface Figures {
  pgStatements: number;
  pgTransactions: number;
  redisCommands: number;
  jobs: number;
  serverXacts?: number;
  serverRedisCommands?: number;
}

describe('Send cost per message (e2e)', () => {
  let graph: FakeGraph;
  let db: SpecDatabase;
  let t: TestApp;
  let f: SendFixture;
  let page: { id: string };
  let statsPg: Client;
  let statsRedis: Redis;
  const report: Record<string, Figures> = {};

  beforeAll(async () => {
    graph = await FakeGraph.start();
    // A database of its own: pg_stat_database then counts this app's transactions only.
    db = await createSpecDatabase('send_cost');
    t = await startSendApp(graph, {
      DATABASE_URL: db.url,
      DATABASE_AUTO_MIGRATE: 'true',
      LOG_LEVEL: 'warn',
      // Pacing is not what is measured here; periodic jobs would only add noise.
      SEND_PAGE_RATE_PER_SECOND: '10000',
      SEND_SWEEP_INTERVAL_MS: '3600000',
      INBOUND_REVIVE_SECONDS: '3600',
      INBOX_RECONCILE_SECONDS: '3600',
    });
    f = new SendFixture(t, graph);
    page = await f.registerPage();
    // Statistics are read from another database, so that reading them does not count.
    const url = new URL(db.url);
    url.pathname = '/postgres';
    statsPg = new Client({ connectionString: url.toString() });
    await statsPg.connect();
    statsRedis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    if (REPORT)
      process.stdout.write(`Send cost per message (N = ${N}):\n${JSON.stringify(report, null, 1)}\n`);
    statsRedis?.disconnect();
    await statsPg?.end();
    await t?.close();
    await graph?.stop();
    await db?.drop();
  });

  it('one message per person, through the admin API', async () => {
    const people = await persons(N);
    const figures = await measure(`api: ${N} people x 1`, N, async () => {
      for (let i = 0; i < N; i += 20) {
        await Promise.all(people.slice(i, i + 20).map((psid) => f.sendText(page.id, psid, 'hi')));
      }
    });
    // Accepting costs a window check and the insert; sending a claim and the finish.
    expect(figures.pgTransactions).toBeLessThanOrEqual(4.5);
    expect(figures.jobs).toBeLessThanOrEqual(1.05);
  });

  it('one message per lane, a batch enqueued at once', async () => {
    const rows = await insertRows(await persons(N), 1);
    const figures = await measure(`send: ${N} lanes x 1`, N, () => enqueueMany(rows));
    expect(figures.pgTransactions).toBeLessThanOrEqual(2.2);
    expect(figures.jobs).toBeLessThanOrEqual(1.05);
  });

  it('busy lanes of 20 messages, a batch enqueued at once', async () => {
    const rows = await insertRows(await persons(N / 20), 20);
    const figures = await measure(`send: ${N / 20} lanes x 20`, N, () => enqueueMany(rows));
    expect(figures.pgTransactions).toBeLessThanOrEqual(2.2);
    expect(figures.jobs).toBeLessThanOrEqual(0.1);
    expect(figures.redisCommands).toBeLessThanOrEqual(1.5);
  });

  async function persons(n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await f.person(page.id));
    return out;
  }

  /** Rows as a batch of replies is written: all committed, then one enqueueMany. */
  async function insertRows(lanes: string[], perLane: number): Promise<OutboundMessage[]> {
    const outbox = t.app.get(OutboxRepository);
    const rows: OutboundMessage[] = [];
    for (let i = 0; i < perLane; i++) {
      for (const psid of lanes) {
        const row = await outbox.insert({
          pageId: page.id,
          recipient: { id: psid },
          recipientKey: `psid:${psid}`,
          payload: { message: { text: `#${i}` } },
          messagingType: 'RESPONSE',
          tag: null,
          notificationType: null,
          idempotencyKey: null,
          status: 'queued',
        });
        rows.push(row!);
      }
    }
    return rows;
  }

  async function enqueueMany(rows: OutboundMessage[]): Promise<void> {
    expect(await t.app.get(SendScheduler).enqueueMany(rows)).toBe(true);
  }

  /** Per message, from `act()` until N more messages reached the fake Graph and every job finished. */
  async function measure(name: string, count: number, act: () => Promise<void>): Promise<Figures> {
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Outbound));
    let started = 0;
    let finished = 0;
    const onActive = () => started++;
    const onDone = () => finished++;
    queue.on('active', onActive);
    queue.on('completed', onDone);
    queue.on('failed', onDone);
    const xacts0 = REPORT ? await settledXacts() : 0;
    const redis0 = REPORT ? await redisCalls() : 0;
    const counted = countRoundTrips();
    const sentBefore = graph.sentMessages(page.id).length;
    try {
      await act();
      await eventually(
        () =>
          `${count} sent (${graph.sentMessages(page.id).length - sentBefore}), jobs ${finished}/${started}`,
        () => graph.sentMessages(page.id).length >= sentBefore + count && finished === started,
        60_000,
      );
    } finally {
      counted.stop();
      queue.removeListener('active', onActive);
      queue.removeListener('completed', onDone);
      queue.removeListener('failed', onDone);
    }
    const per = (n: number) => Math.round((n / count) * 100) / 100;
    const figures: Figures = {
      pgStatements: per(counted.pgStatements),
      pgTransactions: per(counted.pgTransactions),
      redisCommands: per(counted.redisCommands),
      jobs: per(started),
    };
    if (REPORT) {
      figures.serverXacts = per((await settledXacts()) - xacts0);
      figures.serverRedisCommands = per((await redisCalls()) - redis0);
    }
    report[name] = figures;
    return figures;
  }

  /** Counts the app's Postgres statements and transactions and its Redis commands until stop(). */
  function countRoundTrips() {
    const counts = { pgStatements: 0, pgTransactions: 0, redisCommands: 0 };
    const inTransaction = new WeakSet<object>();
    const query = Client.prototype.query as (...args: unknown[]) => unknown;
    const pgSpy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (
      this: Client,
      ...args: unknown[]
    ) {
      if (this !== db.sql && this !== statsPg) {
        counts.pgStatements++;
        const first = args[0] as string | { text?: string };
        const text = (typeof first === 'string' ? first : (first?.text ?? '')).trimStart().toUpperCase();
        if (text.startsWith('START TRANSACTION') || text.startsWith('BEGIN')) {
          inTransaction.add(this);
          counts.pgTransactions++;
        } else if (text.startsWith('COMMIT') || text.startsWith('ROLLBACK')) {
          inTransaction.delete(this);
        } else if (!inTransaction.has(this)) {
          counts.pgTransactions++;
        }
      }
      return query.apply(this, args);
    });
    const sendCommand = Redis.prototype.sendCommand as (...args: unknown[]) => unknown;
    const redisSpy = jest.spyOn(Redis.prototype, 'sendCommand').mockImplementation(function (
      this: Redis,
      ...args: unknown[]
    ) {
      if (this !== statsRedis) counts.redisCommands++;
      return sendCommand.apply(this, args);
    });
    return Object.assign(counts, {
      stop: () => {
        pgSpy.mockRestore();
        redisSpy.mockRestore();
      },
    });
  }

  /** The database's commit count once it has not moved for STATS_SETTLE_MS (the test's timeout bounds it). */
  async function settledXacts(): Promise<number> {
    let last = -1;
    let since = Date.now();
    const settled = await eventually(
      'the commit count to settle',
      async () => {
        const { rows } = await statsPg.query<{ n: string }>(
          `SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1`,
          [new URL(db.url).pathname.slice(1)],
        );
        const n = Number(rows[0].n);
        if (n !== last) [last, since] = [n, Date.now()];
        else if (Date.now() - since > STATS_SETTLE_MS) return { n };
        return undefined;
      },
      300_000,
      500,
    );
    return settled.n;
  }

  async function redisCalls(): Promise<number> {
    const info = await statsRedis.info('commandstats');
    return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  }
});
