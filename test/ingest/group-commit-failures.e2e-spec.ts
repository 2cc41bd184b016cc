import { Client } from 'pg';
import { baseDatabaseUrl } from '../support/services';
import { eventually } from '../support/eventually';
import { TcpProxy } from '../support/tcp-proxy';
import type { TestApp } from '../support/test-app';
import { envelope, ev, fbId, postWebhook, startWebhookApp } from '../support/webhook-fixtures';
import { spyOnInserts } from './ingest-support';

jest.setTimeout(60_000);

const REQUESTS = 12;
const STORE_TIMEOUT_MS = 1_000;

// A direct connection (never through the proxy) to see what was really stored.
const db = new Client({ connectionString: baseDatabaseUrl() });
beforeAll(() => db.connect());
afterAll(() => db.end());

const rowsOf = async (pages: string[]) =>
  (await db.query<{ page_id: string }>('SELECT page_id FROM inbound_events WHERE page_id = ANY($1)', [pages]))
    .rows;

/** Deliveries of two messages each, on a Page of their own. */
const deliveries = (count = REQUESTS) =>
  Array.from({ length: count }, () => {
    const page = fbId();
    return {
      page,
      body: envelope([{ page, messaging: [ev.message(page, fbId()), ev.message(page, fbId())] }]),
    };
  });

describe('Ingest group commit when Postgres fails (e2e)', () => {
  const target = new URL(baseDatabaseUrl());
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  let t: TestApp;

  beforeAll(async () => {
    await proxy.start();
    t = await startWebhookApp('ingest-group-commit-failures', {
      DATABASE_URL: proxy.rewriteUrl(baseDatabaseUrl()),
      WEBHOOK_STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
    });
  });
  afterAll(async () => {
    proxy.restore();
    await t?.close();
    await proxy.close();
  });

  it('answers 503 to every request of a failed batch, stores none of it, and takes the redelivery whole', async () => {
    const sent = deliveries();
    const pages = sent.map((d) => d.page);
    proxy.cut();
    const inserts = spyOnInserts(t, { holdUntilCalls: REQUESTS });
    try {
      const responses = await Promise.all(sent.map((d) => postWebhook(t, d.body)));
      expect(responses.map((r) => r.statusCode)).toEqual(sent.map(() => 503));
      expect(responses.every((r) => r.json().code === 'inbox_unavailable')).toBe(true);
      expect(inserts.statements).toBeLessThan(REQUESTS);
    } finally {
      inserts.restore();
      proxy.restore();
    }
    expect(await rowsOf(pages)).toEqual([]);

    // Facebook delivers the same bodies again: all of them are stored.
    await eventually('Postgres to come back', async () => {
      const retried = await Promise.all(sent.map((d) => postWebhook(t, d.body)));
      return retried.every((r) => r.statusCode === 200);
    });
    expect(await rowsOf(pages)).toHaveLength(REQUESTS * 2);
  });

  it('answers 503 within WEBHOOK_STORE_TIMEOUT_MS when Postgres does not answer, and the next batch goes on', async () => {
    const sent = deliveries();
    let statements = 0;
    const inserts = spyOnInserts(t, {
      holdUntilCalls: REQUESTS,
      // The first statement never comes back (a hung connection); later ones reach Postgres.
      replace: (config, run) => (++statements === 1 ? new Promise(() => undefined) : run(config)),
    });
    try {
      const started = Date.now();
      const responses = await Promise.all(sent.map((d) => postWebhook(t, d.body)));
      expect(responses.map((r) => r.statusCode)).toEqual(sent.map(() => 503));
      expect(Date.now() - started).toBeLessThan(STORE_TIMEOUT_MS + 2_000);

      const next = deliveries(1)[0];
      const res = await postWebhook(t, next.body);
      expect(res.statusCode).toBe(200);
      expect(await rowsOf([next.page])).toHaveLength(2);
    } finally {
      inserts.restore();
    }
    expect(await rowsOf(sent.map((d) => d.page))).toEqual([]);
  });

  it('fails only the request whose events Postgres refuses; the rest of its batch is stored', async () => {
    const sent = deliveries();
    const poisoned = sent[4];
    const poisonKey = `mid:${(JSON.parse(poisoned.body) as { entry: Array<{ messaging: Array<{ message: { mid: string } }> }> }).entry[0].messaging[1].message.mid}`;
    const inserts = spyOnInserts(t, {
      holdUntilCalls: REQUESTS,
      // What Postgres answers to data it cannot store (e.g. JSON it refuses): not an outage.
      replace: (config, run) =>
        (config.values?.[0] as string[]).includes(poisonKey)
          ? Promise.reject(Object.assign(new Error('invalid input syntax for type json'), { code: '22P02' }))
          : run(config),
    });
    try {
      const responses = await Promise.all(sent.map((d) => postWebhook(t, d.body)));
      expect(responses.map((r) => r.statusCode)).toEqual(sent.map((d) => (d === poisoned ? 500 : 200)));
    } finally {
      inserts.restore();
    }
    // Nothing of the refused request, not even its first (storable) event.
    expect(await rowsOf([poisoned.page])).toEqual([]);
    expect(await rowsOf(sent.filter((d) => d !== poisoned).map((d) => d.page))).toHaveLength(
      (REQUESTS - 1) * 2,
    );
  });
});
