import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import type { NewInboundEvent } from '../../src/inbox/inbound-event.types';
import { InboxService } from '../../src/inbox/inbox.service';
import { InboxWakeups } from '../../src/inbox/inbox-wakeups';
import { readWebhookBody } from '../../src/webhook/webhook-envelope';
import type { TestApp } from '../support/test-app';
import { envelope, ev, fbId, postWebhook, startWebhookApp } from '../support/webhook-fixtures';
import { spyOnInserts } from './ingest-support';

jest.setTimeout(60_000);

const REQUESTS = 30;

/** The events of one signed delivery, as the webhook hands them to the inbox. */
function eventsOf(body: string): NewInboundEvent[] {
  const read = readWebhookBody(Buffer.from(body));
  if (read.kind !== 'page') throw new Error('expected a page envelope');
  return read.events;
}

describe('Ingest group commit (e2e)', () => {
  let t: TestApp;
  let db: DataSource;
  let wakeupsQueue: Queue;

  beforeAll(async () => {
    t = await startWebhookApp('ingest-group-commit');
    db = t.app.get(DataSource);
    // The very queue instance the webhook adds to.
    const wakeups: unknown = t.app.get(InboxWakeups);
    wakeupsQueue = (wakeups as { queue: Queue }).queue;
  });
  afterAll(async () => {
    await t.close();
  });

  const rowsOfPage = (page: string) =>
    db.query<Array<{ id: string; dedup_key: string; payload: { message?: { mid: string } } }>>(
      'SELECT id, dedup_key, payload FROM inbound_events WHERE page_id = $1 ORDER BY id',
      [page],
    );
  const idsByKey = async (keys: string[]) =>
    new Map(
      (
        await db.query<Array<{ id: string; dedup_key: string }>>(
          'SELECT id, dedup_key FROM inbound_events WHERE dedup_key = ANY($1)',
          [keys],
        )
      ).map((r) => [r.dedup_key, String(r.id)]),
    );

  /** REQUESTS deliveries of one to three messages, each on a Page of its own. */
  const deliveries = () =>
    Array.from({ length: REQUESTS }, (_, i) => {
      const page = fbId();
      const messaging = Array.from({ length: 1 + (i % 3) }, () => ev.message(page, fbId()));
      return { page, mids: messaging.map((m) => m.message.mid), body: envelope([{ page, messaging }]) };
    });

  it('stores concurrent requests with fewer INSERT statements than requests, each in body order', async () => {
    const sent = deliveries();
    const inserts = spyOnInserts(t, { holdUntilCalls: REQUESTS });
    try {
      const responses = await Promise.all(sent.map((d) => postWebhook(t, d.body)));
      expect(responses.map((r) => r.statusCode)).toEqual(sent.map(() => 200));
      expect(inserts.statements).toBeGreaterThan(0);
      expect(inserts.statements).toBeLessThanOrEqual(2);
    } finally {
      inserts.restore();
    }
    for (const d of sent) {
      const rows = await rowsOfPage(d.page);
      expect(rows.map((r) => r.payload.message?.mid)).toEqual(d.mids);
    }
  });

  it('gives each caller of a batch exactly the ids of its own new rows, in body order', async () => {
    const page = fbId();
    const user = fbId();
    const [a1, a2, b1, b2, shared, known] = Array.from({ length: 6 }, () => ev.message(page, user));
    const body = (...messaging: Array<Record<string, unknown>>) => envelope([{ page, messaging }]);
    const inbox = t.app.get(InboxService);
    await inbox.record(eventsOf(body(known)));

    const callers = [body(a1, shared, a2), body(b1, shared, b2), body(known), body(a2, b1)].map(eventsOf);
    const inserts = spyOnInserts(t, { holdUntilCalls: callers.length });
    const results = await Promise.all(callers.map((events) => inbox.record(events))).finally(() =>
      inserts.restore(),
    );
    expect(inserts.statements).toBe(1);

    const ids = await idsByKey(callers.flat().map((e) => e.dedupKey));
    const idOf = (event: Record<string, unknown>) => ids.get(`mid:${(event.message as { mid: string }).mid}`);
    // The first caller with a key gets its row; the others still succeed, without it.
    expect(results.map((r) => r.insertedIds)).toEqual([
      [idOf(a1), idOf(shared), idOf(a2)],
      [idOf(b1), idOf(b2)],
      [],
      [],
    ]);
    const [first, second] = results.map((r) => r.insertedIds.map(BigInt));
    expect([...first].sort((x, y) => (x < y ? -1 : 1))).toEqual(first);
    expect([...second].sort((x, y) => (x < y ? -1 : 1))).toEqual(second);
    expect(results.map((r) => r.woken)).toEqual([true, true, true, true]);
  });

  it('wakes the rows of a whole batch with one Redis round trip', async () => {
    const sent = deliveries();
    const addBulk = jest.spyOn(wakeupsQueue, 'addBulk');
    const inserts = spyOnInserts(t, { holdUntilCalls: REQUESTS });
    try {
      const responses = await Promise.all(sent.map((d) => postWebhook(t, d.body)));
      expect(responses.every((r) => r.statusCode === 200)).toBe(true);
      expect(addBulk.mock.calls.length).toBeGreaterThan(0);
      expect(addBulk.mock.calls.length).toBeLessThanOrEqual(inserts.statements);
    } finally {
      inserts.restore();
      addBulk.mockRestore();
    }
    for (const d of sent) {
      for (const row of await rowsOfPage(d.page)) {
        expect((await wakeupsQueue.getJob(row.id))?.data).toMatchObject({ eventId: String(row.id), pageId: d.page });
      }
    }
  });

  it('wakes one job per conversation of a batch, named after its oldest new row', async () => {
    const page = fbId();
    const [u1, u2, u3] = [fbId(), fbId(), fbId()];
    const m = (user: string) => ev.message(page, user);
    const bodies = [[m(u1), m(u2)], [m(u1), m(u1)], [m(u3), m(u2)], [m(u1)]].map((messaging) =>
      envelope([{ page, messaging }]),
    );
    const addBulk = jest.spyOn(wakeupsQueue, 'addBulk');
    const inserts = spyOnInserts(t, { holdUntilCalls: bodies.length });
    try {
      const responses = await Promise.all(bodies.map((b) => postWebhook(t, b)));
      expect(responses.every((r) => r.statusCode === 200)).toBe(true);
      expect(inserts.statements).toBe(1);
      expect(addBulk).toHaveBeenCalledTimes(1);
    } finally {
      inserts.restore();
      addBulk.mockRestore();
    }
    const rows = await db.query<Array<{ id: string; psid: string }>>(
      'SELECT id, psid FROM inbound_events WHERE page_id = $1 ORDER BY id',
      [page],
    );
    expect(rows).toHaveLength(7);
    const oldest = [u1, u2, u3].map((user) => String(rows.find((r) => r.psid === user)!.id));
    const woken = [];
    for (const row of rows) if (await wakeupsQueue.getJob(row.id)) woken.push(String(row.id));
    expect(woken).toEqual(oldest);

    // The next batch of a conversation that still has a job gets its own (the old one may be running).
    expect((await postWebhook(t, envelope([{ page, messaging: [m(u1)] }]))).statusCode).toBe(200);
    const [latest] = await db.query<Array<{ id: string }>>(
      'SELECT max(id) AS id FROM inbound_events WHERE page_id = $1',
      [page],
    );
    expect((await wakeupsQueue.getJob(String(latest.id)))?.data).toEqual({
      eventId: String(latest.id),
      pageId: page,
      conversationKey: u1,
    });
  });
});
