import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { QueueName } from '../../src/queue/queue.constants';
import { WebhookMetrics } from '../../src/webhook/webhook.metrics';
import type { TestApp } from '../support/test-app';
import {
  APP_SECRET,
  envelope,
  ev,
  fbId,
  fifteenEventBody,
  postWebhook,
  sign,
  signSha1,
  startWebhookApp,
  VERIFY_TOKEN,
} from '../support/webhook-fixtures';

jest.setTimeout(60_000);

describe('Webhook ingress (e2e)', () => {
  let t: TestApp;
  let db: DataSource;
  let queue: Queue;
  let metrics: WebhookMetrics;

  beforeAll(async () => {
    t = await startWebhookApp('webhook', { WEBHOOK_BODY_LIMIT: '64kb' });
    db = t.app.get(DataSource);
    queue = t.app.get<Queue>(getQueueToken(QueueName.Inbound));
    metrics = t.app.get(WebhookMetrics);
  });
  afterAll(async () => {
    await t.close();
  });

  const countRows = async (where = 'TRUE', params: unknown[] = []): Promise<number> => {
    const [{ n }] = await db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM inbound_events WHERE ${where}`,
      params,
    );
    return Number(n);
  };
  const rowsOfPages = (pages: string[]) =>
    db.query<Array<Record<string, string | null>>>(
      `SELECT id, dedup_key, page_id, psid, conversation_key, source, event_type, status, payload
       FROM inbound_events WHERE page_id = ANY($1) ORDER BY id`,
      [pages],
    );
  const queuedJobs = async () => (await queue.getJobCounts()).waiting;

  describe('verification (GET /webhook)', () => {
    const verify = (query: Record<string, string>) => t.app.inject({ method: 'GET', url: '/webhook', query });

    it('echoes the challenge as text/plain when the verify token matches', async () => {
      const res = await verify({
        'hub.mode': 'subscribe',
        'hub.verify_token': VERIFY_TOKEN,
        'hub.challenge': '1158201444',
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toBe('1158201444');
    });

    it.each([
      ['a wrong token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' }],
      [
        'a token differing in case',
        { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN.toUpperCase(), 'hub.challenge': '1' },
      ],
      ['no token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }],
      ['another mode', { 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' }],
      ['no parameters', {}],
    ])('refuses %s with 403 and no challenge', async (_name, query) => {
      const res = await verify(query);
      expect(res.statusCode).toBe(403);
      expect(res.body).not.toContain('"1"');
    });

    it('refuses a challenge that is not a plain token with 400', async () => {
      const res = await verify({
        'hub.mode': 'subscribe',
        'hub.verify_token': VERIFY_TOKEN,
        'hub.challenge': '<script>alert(1)</script>',
      });
      expect(res.statusCode).toBe(400);
    });
  });

  describe('delivery (POST /webhook)', () => {
    it('stores a signed event, wakes it, and answers EVENT_RECEIVED', async () => {
      const page = fbId();
      const user = fbId();
      const body = envelope([{ page, messaging: [ev.message(page, user, 'hi')] }]);
      const res = await postWebhook(t, body);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('EVENT_RECEIVED');
      const [row] = await rowsOfPages([page]);
      expect(row).toMatchObject({
        page_id: page,
        psid: user,
        conversation_key: user,
        event_type: 'message',
        status: 'pending',
      });
      const job = await queue.getJob(row.id as string);
      expect(job?.name).toBe('handle-event');
      expect(job?.data).toEqual({ eventId: row.id, pageId: page, conversationKey: user });
    });

    it('makes 15 rows of a 3 x 5 body, none of the same body again, and only new ones of an overlapping body', async () => {
      const { body, pages } = fifteenEventBody();
      const jobsBefore = await queuedJobs();
      expect((await postWebhook(t, body)).statusCode).toBe(200);
      const rows = await rowsOfPages(pages);
      expect(rows).toHaveLength(15);
      expect(new Set(rows.map((r) => r.event_type))).toEqual(
        new Set(['message', 'postback', 'echo', 'delivery', 'read', 'referral', 'optin']),
      );
      expect(rows.filter((r) => r.source === 'standby')).toHaveLength(2);
      // One wake-up per conversation (5 of them), named after its oldest row.
      const conversations = new Map<string, string>();
      for (const row of rows) {
        const key = `${row.page_id}|${row.conversation_key}`;
        if (!conversations.has(key)) conversations.set(key, row.id as string);
      }
      expect(conversations.size).toBe(5);
      expect(await queuedJobs()).toBe(jobsBefore + 5);
      for (const id of conversations.values()) expect(await queue.getJob(id)).not.toBeNull();

      // Facebook redelivers the same body: nothing new, no new job.
      expect((await postWebhook(t, body)).statusCode).toBe(200);
      expect(await rowsOfPages(pages)).toHaveLength(15);
      expect(await queuedJobs()).toBe(jobsBefore + 5);

      // Another body sharing three of those events (re-batched) plus two new ones.
      const parsed = JSON.parse(body) as { entry: Array<{ id: string; messaging: unknown[] }> };
      const [a, b] = [parsed.entry[0], parsed.entry[1]];
      const user = fbId();
      const mixed = envelope([
        { page: a.id, messaging: [a.messaging[1] as never, ev.message(a.id, user, 'new one')] },
        { page: b.id, messaging: [b.messaging[0] as never, b.messaging[3] as never, ev.read(b.id, user)] },
      ]);
      expect((await postWebhook(t, mixed)).statusCode).toBe(200);
      const after = await rowsOfPages(pages);
      expect(after).toHaveLength(17);
      expect(after.slice(15).map((r) => r.psid)).toEqual([user, user]);
      // Two new conversations (the user on two Pages).
      expect(await queuedJobs()).toBe(jobsBefore + 7);
    });

    it('keys conversations by the user: recipient for echoes, user_ref for the checkbox plugin', async () => {
      const { body, pages } = fifteenEventBody();
      await postWebhook(t, body);
      const rows = await rowsOfPages(pages);
      const payloads = rows.map(
        (r) => r.payload as unknown as Record<string, { id?: string; user_ref?: string }>,
      );
      rows.forEach((row, i) => {
        const p = payloads[i];
        if (row.event_type === 'echo') expect(row.psid).toBe(p.recipient.id);
        else if (p.sender) expect(row.psid).toBe(p.sender.id);
        else {
          expect(row.psid).toBeNull();
          expect(row.conversation_key).toMatch(/^user_ref:ur_/);
        }
        if (row.psid) expect(row.conversation_key).toBe(row.psid);
      });
    });

    it('stores an unknown event type as unknown instead of failing', async () => {
      const page = fbId();
      const body = envelope([
        {
          page,
          messaging: [
            { sender: { id: fbId() }, recipient: { id: page }, timestamp: 1, shiny_new_event: { a: 1 } },
          ],
        },
      ]);
      expect((await postWebhook(t, body)).statusCode).toBe(200);
      const [row] = await rowsOfPages([page]);
      expect(row.event_type).toBe('unknown');
    });

    it('verifies non-ASCII text sent as \\uXXXX escapes, and stores the decoded text', async () => {
      const page = fbId();
      const event = ev.message(page, fbId(), 'PLACEHOLDER');
      // Facebook's own encoding: escapes, so re-serialising would change the bytes (and the signature).
      const body = envelope([{ page, messaging: [event] }]).replace(
        'PLACEHOLDER',
        'Caf\\u00e9 \\ud83d\\ude00 \\u4f60\\u597d',
      );
      expect(JSON.stringify(JSON.parse(body))).not.toBe(body);
      const res = await postWebhook(t, body);
      expect(res.statusCode).toBe(200);
      const [row] = await rowsOfPages([page]);
      expect((row.payload as unknown as { message: { text: string } }).message.text).toBe('Café 😀 你好');
    });

    it('verifies raw UTF-8 bytes too', async () => {
      const page = fbId();
      const body = Buffer.from(
        envelope([{ page, messaging: [ev.message(page, fbId(), 'naïve ✓')] }]),
        'utf8',
      );
      expect((await postWebhook(t, body)).statusCode).toBe(200);
      expect(await rowsOfPages([page])).toHaveLength(1);
    });

    it('acknowledges and ignores other objects, counted', async () => {
      const before = metrics.ignoredObjects;
      const rowsBefore = await countRows();
      const body = JSON.stringify({ object: 'instagram', entry: [{ id: fbId(), time: 1, messaging: [{}] }] });
      const res = await postWebhook(t, body);
      expect(res.statusCode).toBe(200);
      expect(metrics.ignoredObjects).toBe(before + 1);
      expect(await countRows()).toBe(rowsBefore);
    });

    it.each([
      ['bad JSON', '{"object":"page","entry":[{'],
      ['an empty body', ''],
      ['a JSON string', '"page"'],
      ['no object', '{"entry":[]}'],
      ['entry not an array', '{"object":"page","entry":{}}'],
      ['an entry without a Page id', '{"object":"page","entry":[{"messaging":[]}]}'],
      ['messaging not an array', '{"object":"page","entry":[{"id":"1","messaging":"x"}]}'],
      ['an event that is not an object', '{"object":"page","entry":[{"id":"1","messaging":[42]}]}'],
    ])('answers 400 to a signed body with %s, storing nothing', async (_name, body) => {
      const rowsBefore = await countRows();
      const res = await postWebhook(t, body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ statusCode: 400, code: 'invalid_webhook_body' });
      expect(await countRows()).toBe(rowsBefore);
    });

    it('answers 401, not 400, to bad JSON with a bad signature', async () => {
      const res = await postWebhook(t, '{"object":', {
        'x-hub-signature-256': sign('{"object":', 'wrong-secret'),
      });
      expect(res.statusCode).toBe(401);
    });

    it('answers 413 to a body over WEBHOOK_BODY_LIMIT, signed or not', async () => {
      const page = fbId();
      const big = envelope([{ page, messaging: [ev.message(page, fbId(), 'x'.repeat(70 * 1024))] }]);
      const signed = await postWebhook(t, big);
      expect(signed.statusCode).toBe(413);
      const unsigned = await postWebhook(t, big, { 'x-hub-signature-256': 'sha256=00' });
      expect(unsigned.statusCode).toBe(413);
      expect(await rowsOfPages([page])).toHaveLength(0);
    });

    it('accepts a batch near the limit (a few hundred events)', async () => {
      const page = fbId();
      const user = fbId();
      const messaging = Array.from({ length: 300 }, (_, i) => ev.message(page, user, `message ${i}`));
      const body = envelope([{ page, messaging }]);
      expect(Buffer.byteLength(body)).toBeLessThan(64 * 1024);
      expect((await postWebhook(t, body)).statusCode).toBe(200);
      const rows = await rowsOfPages([page]);
      expect(rows).toHaveLength(300);
      // Ids follow body order: the tie-breaking sequence.
      expect(rows.map((r) => (r.payload as unknown as { message: { text: string } }).message.text)).toEqual(
        messaging.map((m) => m.message.text),
      );
    });
  });

  describe('signature', () => {
    const page = fbId();
    const body = envelope([{ page, messaging: [ev.message(page, fbId(), 'signed')] }]);
    const raw = Buffer.from(body);
    const goodSignature = sign(raw);

    const post = (payload: Buffer | string, headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/webhook',
        payload,
        headers: { 'content-type': 'application/json', ...headers },
      });

    it('refuses every single-bit flip of the body with 401', async () => {
      const statuses = new Map<number, number>();
      for (let byte = 0; byte < raw.length; byte++) {
        for (let bit = 0; bit < 8; bit++) {
          const mutated = Buffer.from(raw);
          mutated[byte] ^= 1 << bit;
          const res = await post(mutated, { 'x-hub-signature-256': goodSignature });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        }
      }
      expect(Object.fromEntries(statuses)).toEqual({ 401: raw.length * 8 });
      expect(await rowsOfPages([page])).toHaveLength(0);
    });

    it('refuses every single-bit flip of the signature header with 401', async () => {
      let sent = 0;
      for (let i = 0; i < goodSignature.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const code = goodSignature.charCodeAt(i) ^ (1 << bit);
          // Bytes no HTTP client can put in a header never reach the server.
          if (code < 0x20 || code === 0x7f || code > 0x7e) continue;
          const mutated = goodSignature.slice(0, i) + String.fromCharCode(code) + goodSignature.slice(i + 1);
          const res = await post(raw, { 'x-hub-signature-256': mutated });
          expect(res.statusCode).toBe(401);
          sent++;
        }
      }
      expect(sent).toBeGreaterThan(goodSignature.length * 5);
      expect(await rowsOfPages([page])).toHaveLength(0);
    });

    it.each([
      ['missing', undefined],
      ['empty', ''],
      ['truncated by one', goodSignature.slice(0, -1)],
      ['truncated to the prefix', 'sha256='],
      ['without the prefix', goodSignature.slice('sha256='.length)],
      ['with the sha1 prefix', goodSignature.replace('sha256=', 'sha1=')],
      ['with an extra character', `${goodSignature}0`],
      [
        'upper-case hex',
        goodSignature.replace(/[a-f]/g, (c) => c.toUpperCase()).replace('SHA256=', 'sha256='),
      ],
      ['made with another secret', sign(raw, `${APP_SECRET}x`)],
      ['of another body', sign(`${body} `)],
    ])('refuses a signature that is %s with 401', async (_name, header) => {
      const headers: Record<string, string> = header === undefined ? {} : { 'x-hub-signature-256': header };
      const res = await post(raw, headers);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ statusCode: 401, code: 'invalid_signature' });
    });

    it('refuses a valid sha1 signature when sha1 is not enabled', async () => {
      const res = await post(raw, { 'x-hub-signature': signSha1(raw) });
      expect(res.statusCode).toBe(401);
      expect(await rowsOfPages([page])).toHaveLength(0);
    });

    it('counts rejections by reason', async () => {
      const before = { ...metrics };
      await post(raw, {});
      await post(raw, { 'x-hub-signature-256': 'sha256=zz' });
      await post(raw, { 'x-hub-signature-256': sign('other') });
      expect(metrics.signatureMissing).toBe(before.signatureMissing + 1);
      expect(metrics.signatureMalformed).toBe(before.signatureMalformed + 1);
      expect(metrics.signatureMismatch).toBe(before.signatureMismatch + 1);
    });

    it('accepts the untouched body and signature', async () => {
      const res = await post(raw, { 'x-hub-signature-256': goodSignature });
      expect(res.statusCode).toBe(200);
      expect(await rowsOfPages([page])).toHaveLength(1);
    });

    it('never logs or returns the expected signature or the app secret', async () => {
      const res = await post(raw, { 'x-hub-signature-256': sign('something else') });
      expect(res.body).not.toContain(goodSignature.slice(7));
      const logs = t.logs.join('\n');
      expect(logs).not.toContain(goodSignature.slice(7));
      expect(logs).not.toContain(APP_SECRET);
      expect(logs).not.toContain(VERIFY_TOKEN);
      expect(logs).toContain('Webhook signature rejected');
    });
  });
});

describe('Webhook ingress with sha1 enabled (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startWebhookApp('webhook-sha1', { WEBHOOK_ACCEPT_SHA1: 'true' });
  });
  afterAll(async () => {
    await t.close();
  });

  const page = fbId();
  const raw = Buffer.from(envelope([{ page, messaging: [ev.message(page, fbId(), 'legacy')] }]));

  it('accepts X-Hub-Signature sha1', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhook',
      payload: raw,
      headers: { 'content-type': 'application/json', 'x-hub-signature': signSha1(raw) },
    });
    expect(res.statusCode).toBe(200);
  });

  it('still refuses a wrong sha256 even with a valid sha1 beside it (no downgrade)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhook',
      payload: raw,
      headers: {
        'content-type': 'application/json',
        'x-hub-signature': signSha1(raw),
        'x-hub-signature-256': sign('other'),
      },
    });
    expect(res.statusCode).toBe(401);
  });

  it('refuses a flipped sha1 signature', async () => {
    const good = signSha1(raw);
    const flipped = good.slice(0, -1) + (good.endsWith('0') ? '1' : '0');
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhook',
      payload: raw,
      headers: { 'content-type': 'application/json', 'x-hub-signature': flipped },
    });
    expect(res.statusCode).toBe(401);
  });
});
