import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import type { Client } from 'pg';
import { QueueName } from '../../src/queue/queue.constants';
import { eventually } from '../support/eventually';
import {
  CALLS_TABLE_SQL,
  createSpecDatabase,
  fbId,
  inboundAppEnv,
  insertPage,
  RecorderBotModule,
  shuffle,
  signBody,
  textItem,
  webhookBody,
  type MessagingItem,
} from './inbound-support';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(180_000);

const PAGES = 5;
const USERS_PER_PAGE = 20; // 100 conversations
const PAUSED_EVENTS = 20; // per conversation, stored while no worker runs, in shuffled batches
const LIVE_EVENTS = 10; // per conversation, delivered while both instances work
const BATCH = 60;

interface Planned {
  page: string;
  psid: string;
  seq: number;
  item: MessagingItem;
}

/**
 * Two app instances (role all) on one database and one Redis prefix, 100 conversations x 30 events,
 * duplicates and shuffles: each conversation's handler calls in timestamp order, each event once.
 */
describe('Inbound ordering across two instances (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let db: { url: string; sql: Client; drop(): Promise<void> };
  const conversations: Array<{ page: string; psid: string }> = [];

  beforeAll(async () => {
    db = await createSpecDatabase('inbound_order');
    const env = inboundAppEnv(db.url, 'inbound-order', { INBOUND_CONCURRENCY: '8' });
    // One after the other: both would otherwise run the migrations at once.
    a = await startTestApp(env, { imports: [RecorderBotModule.forInstance('a')] });
    b = await startTestApp(env, { imports: [RecorderBotModule.forInstance('b')] });
    await db.sql.query(CALLS_TABLE_SQL);
    for (let p = 0; p < PAGES; p++) {
      const page = fbId();
      await insertPage(db.sql, page);
      for (let u = 0; u < USERS_PER_PAGE; u++) conversations.push({ page, psid: fbId() });
    }
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  const plan = (from: number, count: number): Planned[] =>
    conversations.flatMap(({ page, psid }, c) =>
      Array.from({ length: count }, (_, k) => {
        const seq = from + k;
        // Distinct per conversation, with ties across conversations; the mid makes each event unique.
        const ts = 1_764_200_000_000 + seq * 1_000 + (c % 7);
        return { page, psid, seq, item: textItem(page, psid, ts, `n:${seq}`, `m_${psid}_${seq}`) };
      }),
    );

  // Like Facebook, deliver again on 503 (concurrent overlapping batches can deadlock in the inbox).
  const post = async (app: TestApp, events: Planned[]) => {
    const body = webhookBody(events.map((e) => ({ page: e.page, item: e.item })));
    for (let attempt = 1; ; attempt++) {
      const res = await app.app.inject({
        method: 'POST',
        url: '/webhook',
        payload: body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body) },
      });
      if (res.statusCode === 503 && attempt < 5) continue;
      expect(res.statusCode).toBe(200);
      return;
    }
  };

  const chunks = <T>(items: T[], size: number): T[][] =>
    Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

  const allDone = (expected: number) =>
    eventually(
      `${expected} handled events`,
      async () => {
        const { rows } = await db.sql.query<{ status: string; n: string }>(
          `SELECT status, count(*) AS n FROM inbound_events GROUP BY status`,
        );
        const done = Number(rows.find((r) => r.status === 'done')?.n ?? 0);
        return done === expected && rows.length === 1 ? done : undefined;
      },
      150_000,
      100,
    );

  it('handles events stored in shuffled, duplicated batches in timestamp order, each once', async () => {
    const queue = a.app.get<Queue>(getQueueToken(QueueName.Inbound), { strict: false });
    await queue.pause(); // global: no instance takes jobs while the whole backlog arrives out of order
    const events = plan(0, PAUSED_EVENTS);
    // Every event once in a random batch, a third of them again in another.
    const deliveries = shuffle([...events, ...shuffle(events).slice(0, Math.floor(events.length / 3))]);
    const batches = chunks(deliveries, BATCH);
    try {
      for (let i = 0; i < batches.length; i += 8) {
        await Promise.all(batches.slice(i, i + 8).map((batch, j) => post((i + j) % 2 ? b : a, batch)));
      }
      const stored = await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM inbound_events`);
      expect(Number(stored.rows[0].n)).toBe(events.length);
    } finally {
      await queue.resume();
    }
    await allDone(events.length);
    await expectOrderedOnce(PAUSED_EVENTS);
  });

  it('keeps order and exactly-once while both instances work and Facebook redelivers', async () => {
    const events = plan(PAUSED_EVENTS, LIVE_EVENTS);
    // Time-ordered batches (as Facebook sends them), shuffled inside, plus redeliveries of earlier ones.
    const batches = chunks(events, BATCH).map((batch, i, all) =>
      shuffle([...batch, ...(i > 0 ? shuffle(all[i - 1]).slice(0, 10) : [])]),
    );
    for (let i = 0; i < batches.length; i++) await post(i % 2 ? b : a, batches[i]);
    await post(a, shuffle(events).slice(0, 100)); // late redelivery of already handled events
    await allDone(conversations.length * (PAUSED_EVENTS + LIVE_EVENTS));
    await expectOrderedOnce(PAUSED_EVENTS + LIVE_EVENTS);
  });

  async function expectOrderedOnce(perConversation: number): Promise<void> {
    const { rows } = await db.sql.query<{ psid: string; label: string; event_id: string; instance: string }>(
      `SELECT psid, label, event_id, instance FROM inbound_test_calls ORDER BY id`,
    );
    expect(rows).toHaveLength(conversations.length * perConversation);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length);
    const byConversation = new Map<string, number[]>();
    for (const r of rows) byConversation.set(r.psid, [...(byConversation.get(r.psid) ?? []), Number(r.label.slice(2))]);
    const expected = Array.from({ length: perConversation }, (_, i) => i);
    for (const { psid } of conversations) expect(byConversation.get(psid)).toEqual(expected);
    // Both instances did part of the work.
    expect(new Set(rows.map((r) => r.instance))).toEqual(new Set(['a', 'b']));
  }
});
