import { FakeGraph } from '../../src/sandbox/fake-graph/fake-graph.server';
import { SendService } from '../../src/send/send.service';
import { HINTS } from '../../src/send/send-error-hints';
import { auth, SendFixture, startSendApp } from './send.e2e-helpers';
import type { TestApp } from '../support/test-app';

const DAY_MS = 24 * 3_600_000;

// Scenarios wait for retries, sweeps and short caches; generous on a loaded machine.
jest.setTimeout(60_000);

describe('Send API (e2e)', () => {
  let graph: FakeGraph;
  let t: TestApp;
  let f: SendFixture;
  let page: { id: string; token: string };

  beforeAll(async () => {
    graph = await FakeGraph.start();
    t = await startSendApp(graph);
    f = new SendFixture(t, graph);
    page = await f.registerPage();
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  it('queues a message (202), sends it once, and records Facebook’s message id', async () => {
    const psid = await f.person(page.id);
    const res = await f.send(page.id, { recipient: { id: psid }, message: { text: 'Hello' } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: expect.any(String), status: 'queued' });

    const [sent] = await f.waitForStatus([res.json().id], 'sent');
    const delivered = graph.sentMessages(page.id).filter((m) => m.recipient.id === psid);
    expect(delivered).toEqual([
      expect.objectContaining({
        recipient: { id: psid },
        messaging_type: 'RESPONSE',
        message: { text: 'Hello' },
      }),
    ]);
    expect(sent).toMatchObject({
      attempts: 1,
      fbMessageId: delivered[0].message_id,
      lastError: null,
      recipientKey: `psid:${psid}`,
    });
    expect(sent.sentAt).toEqual(expect.any(String));
  });

  it('answers a repeated Idempotency-Key with the first message (200) and sends once', async () => {
    const psid = await f.person(page.id);
    const body = { recipient: { id: psid }, message: { text: 'Your order shipped' } };
    const first = await f.send(page.id, body, { 'idempotency-key': 'order-1001' });
    const again = await f.send(page.id, body, { 'idempotency-key': 'order-1001' });
    const concurrent = await Promise.all(
      [1, 2, 3].map(() => f.send(page.id, body, { 'idempotency-key': 'order-1001' })),
    );
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    for (const res of concurrent) expect(res.json().id).toBe(first.json().id);

    await f.waitForStatus([first.json().id], 'sent');
    expect(graph.sentMessages(page.id).filter((m) => m.recipient.id === psid)).toHaveLength(1);
    const [row] = await f.db.query(
      `SELECT count(*)::int AS n FROM outbound_messages WHERE idempotency_key = 'order-1001'`,
    );
    expect(row.n).toBe(1);
  });

  it('uses the same key independently on another Page', async () => {
    const other = await f.registerPage();
    const a = await f.send(
      page.id,
      { recipient: { id: await f.person(page.id) }, message: { text: 'a' } },
      { 'idempotency-key': 'shared-key' },
    );
    const b = await f.send(
      other.id,
      { recipient: { id: await f.person(other.id) }, message: { text: 'b' } },
      { 'idempotency-key': 'shared-key' },
    );
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(a.json().id).not.toBe(b.json().id);
  });

  describe('the 24-hour window', () => {
    it('refuses a standard message to someone who never wrote (422), queueing nothing', async () => {
      const psid = graph.addPsid(page.id);
      const before = await f.outboxCount(page.id);
      const res = await f.send(page.id, { recipient: { id: psid }, message: { text: 'Hi' } });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({
        code: 'outside_messaging_window',
        windowHours: 24,
        lastUserMessageAt: null,
      });
      expect(await f.outboxCount(page.id)).toBe(before);
    });

    it('refuses a standard message and a sender action long after the last message', async () => {
      const psid = await f.person(page.id, new Date('2020-01-01T00:00:00Z'));
      const before = await f.outboxCount(page.id);
      const message = await f.send(page.id, { recipient: { id: psid }, message: { text: 'Hi' } });
      const typing = await f.send(page.id, { recipient: { id: psid }, senderAction: 'typing_on' });
      expect([message.statusCode, typing.statusCode]).toEqual([422, 422]);
      expect(message.json().lastUserMessageAt).toBe('2020-01-01T00:00:00.000Z');
      expect(await f.outboxCount(page.id)).toBe(before);
      expect(graph.sentMessages(page.id).filter((m) => m.recipient.id === psid)).toHaveLength(0);
    });

    it('sends a tagged message outside the window as MESSAGE_TAG', async () => {
      const psid = await f.person(page.id, new Date('2020-01-01T00:00:00Z'));
      const res = await f.send(page.id, {
        recipient: { id: psid },
        message: { text: 'Receipt' },
        tag: 'POST_PURCHASE_UPDATE',
      });
      expect(res.statusCode).toBe(202);
      await f.waitForStatus([res.json().id], 'sent');
      expect(graph.sentMessages(page.id).find((m) => m.recipient.id === psid)).toMatchObject({
        messaging_type: 'MESSAGE_TAG',
        tag: 'POST_PURCHASE_UPDATE',
      });
    });

    it('gives HUMAN_AGENT seven days', async () => {
      const threeDays = await f.person(page.id, new Date(Date.now() - 3 * DAY_MS));
      const eightDays = await f.person(page.id, new Date(Date.now() - 8 * DAY_MS));
      const body = (id: string) => ({
        recipient: { id },
        message: { text: 'An agent here' },
        tag: 'HUMAN_AGENT',
      });
      expect((await f.send(page.id, body(threeDays))).statusCode).toBe(202);
      const late = await f.send(page.id, body(eightDays));
      expect(late.statusCode).toBe(422);
      expect(late.json()).toMatchObject({ code: 'outside_messaging_window', windowHours: 168 });
    });

    it('does not check the window for phone numbers and user refs', async () => {
      const phone = await f.send(page.id, {
        recipient: { phoneNumber: '+1 415 555 0100' },
        message: { text: 'Hi' },
        messagingType: 'UPDATE',
      });
      const ref = await f.send(page.id, {
        recipient: { userRef: 'checkbox-ref-1' },
        message: { text: 'Thanks' },
      });
      expect([phone.statusCode, ref.statusCode]).toEqual([202, 202]);
      const [p, r] = await f.waitForStatus([phone.json().id, ref.json().id], 'sent');
      expect(p.recipient).toEqual({ phoneNumber: '+14155550100' });
      expect(r.recipientKey).toBe('user_ref:checkbox-ref-1');
      expect(graph.sentMessages(page.id).some((m) => m.recipient.phone_number === '+14155550100')).toBe(true);
      expect(graph.sentMessages(page.id).some((m) => m.recipient.user_ref === 'checkbox-ref-1')).toBe(true);
    });
  });

  describe('refusals', () => {
    let psid: string;
    beforeAll(async () => {
      psid = await f.person(page.id);
    });

    it.each([
      ['neither message nor sender action', () => ({ recipient: { id: psid } }), 'invalid_message'],
      [
        'a tag not in SEND_ALLOWED_TAGS',
        () => ({ recipient: { id: psid }, message: { text: 'x' }, tag: 'GAME_EVENT' }),
        'tag_not_allowed',
      ],
      [
        'MESSAGE_TAG without a tag',
        () => ({ recipient: { id: psid }, message: { text: 'x' }, messagingType: 'MESSAGE_TAG' }),
        'tag_required',
      ],
      [
        'text of 2000 characters',
        () => ({ recipient: { id: psid }, message: { text: 'x'.repeat(2000) } }),
        'message_too_long',
      ],
      [
        'a site user id (no account linking yet)',
        () => ({ recipient: { userId: 'u-1' }, message: { text: 'x' } }),
        'account_linking_unavailable',
      ],
      [
        'two recipients',
        () => ({ recipient: { id: psid, userRef: 'r' }, message: { text: 'x' } }),
        'invalid_recipient',
      ],
      [
        'an unknown field',
        () => ({ recipient: { id: psid }, message: { text: 'x' }, token: 'x' }),
        'validation_failed',
      ],
      [
        'a bad sender action',
        () => ({ recipient: { id: psid }, senderAction: 'dance' }),
        'validation_failed',
      ],
    ])('400 for %s, nothing queued', async (_name, body, code) => {
      const before = await f.outboxCount(page.id);
      const res = await f.send(page.id, body());
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe(code);
      expect(await f.outboxCount(page.id)).toBe(before);
    });

    it('400 for a malformed Idempotency-Key', async () => {
      const res = await f.send(
        page.id,
        { recipient: { id: psid }, message: { text: 'x' } },
        { 'idempotency-key': 'with space' },
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('invalid_idempotency_key');
    });

    it('404 for an unknown Page', async () => {
      const res = await f.send('123456789', { recipient: { id: psid }, message: { text: 'x' } });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('page_not_found');
    });

    it('409 for a removed Page', async () => {
      const removed = await f.registerPage();
      const removedPsid = await f.person(removed.id);
      const del = await t.app.inject({ method: 'DELETE', url: `/admin/pages/${removed.id}`, headers: auth });
      expect(del.statusCode).toBe(200);
      const res = await f.send(removed.id, { recipient: { id: removedPsid }, message: { text: 'x' } });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('page_removed');
      expect(await f.outboxCount(removed.id)).toBe(0);
    });

    it('404 for an unknown message id, 400 for one that is not a message id', async () => {
      for (const [id, status] of [
        ['00000000-0000-4000-8000-000000000000', 404],
        ['not-a-uuid', 400],
      ] as const) {
        const res = await t.app.inject({ method: 'GET', url: `/admin/messages/${id}`, headers: auth });
        expect(res.statusCode).toBe(status);
        expect(res.json().code).toBe(status === 404 ? 'message_not_found' : 'validation_failed');
        for (const action of ['retry', 'cancel']) {
          const post = await t.app.inject({
            method: 'POST',
            url: `/admin/messages/${id}/${action}`,
            headers: auth,
          });
          expect(post.statusCode).toBe(status);
        }
      }
    });

    it('400 for a cursor beyond a 64-bit id, 404 for a Page id of 25 digits', async () => {
      const cursor = await t.app.inject({ method: 'GET', url: '/admin/messages?cursor=9999999999999999999', headers: auth });
      expect(cursor.statusCode).toBe(400);
      expect(cursor.json().fields).toEqual(['cursor']);
      const longPage = '1'.repeat(25);
      const res = await f.send(longPage, { recipient: { id: '123' }, message: { text: 'x' } });
      expect(res.statusCode).toBe(404);
    });
  });

  describe('a paused Page', () => {
    let paused: { id: string };
    const patch = (status: string) =>
      t.app.inject({ method: 'PATCH', url: `/admin/pages/${paused.id}`, headers: auth, payload: { status } });

    beforeAll(async () => {
      paused = await f.registerPage();
    });

    it('accepts messages as held, sends none, and sends them all in order once active again', async () => {
      const psid = await f.person(paused.id);
      expect((await patch('paused')).statusCode).toBe(200);
      const ids: string[] = [];
      for (const text of ['one', 'two', 'three']) {
        const res = await f.send(paused.id, { recipient: { id: psid }, message: { text } });
        expect(res.statusCode).toBe(202);
        expect(res.json().status).toBe('held');
        ids.push(res.json().id);
      }
      expect(graph.sentMessages(paused.id)).toHaveLength(0);

      expect((await patch('active')).statusCode).toBe(200);
      await f.waitForStatus(ids, 'sent');
      expect(graph.sentMessages(paused.id).map((m) => m.message?.text)).toEqual(['one', 'two', 'three']);
    });
  });

  describe('retry and cancel', () => {
    const post = (id: string, action: string) =>
      t.app.inject({ method: 'POST', url: `/admin/messages/${id}/${action}`, headers: auth });

    it('cancels a held message and refuses to cancel or retry a sent one (409)', async () => {
      const held = await f.registerPage();
      const psid = await f.person(held.id);
      await t.app.inject({
        method: 'PATCH',
        url: `/admin/pages/${held.id}`,
        headers: auth,
        payload: { status: 'paused' },
      });
      const id = (await f.send(held.id, { recipient: { id: psid }, message: { text: 'never' } })).json().id;
      const cancelled = await post(id, 'cancel');
      expect(cancelled.statusCode).toBe(200);
      expect(cancelled.json().status).toBe('cancelled');
      expect((await post(id, 'cancel')).statusCode).toBe(409);

      await t.app.inject({
        method: 'PATCH',
        url: `/admin/pages/${held.id}`,
        headers: auth,
        payload: { status: 'active' },
      });
      const sentId = await f.sendText(held.id, psid, 'after');
      await f.waitForStatus([sentId], 'sent');
      const retry = await post(sentId, 'retry');
      expect(retry.statusCode).toBe(409);
      expect(retry.json().code).toBe('message_status_conflict');
      expect((await post(sentId, 'cancel')).statusCode).toBe(409);
      expect(graph.sentMessages(held.id).map((m) => m.message?.text)).toEqual(['after']);
    });

    it('retries a failed message with a fresh set of attempts', async () => {
      const psid = await f.person(page.id);
      graph.failNext({
        path: '/me/messages',
        error: { code: 551, message: 'This person isn’t available right now.' },
      });
      const id = await f.sendText(page.id, psid, 'try me');
      const [failed] = await f.waitForStatus([id], 'failed');
      expect(failed.lastError).toMatchObject({ kind: 'recipient', code: 551, hint: HINTS.unavailable });

      const retried = await post(id, 'retry');
      expect(retried.statusCode).toBe(200);
      expect(retried.json()).toMatchObject({ status: 'queued', attempts: 0 });
      await f.waitForStatus([id], 'sent');
      expect(graph.sentMessages(page.id).filter((m) => m.recipient.id === psid)).toHaveLength(1);
    });
  });

  it('lists messages newest first, filtered by Page, status and recipient, page by page', async () => {
    const psid = await f.person(page.id);
    const ids = [
      await f.sendText(page.id, psid, 'l1'),
      await f.sendText(page.id, psid, 'l2'),
      await f.sendText(page.id, psid, 'l3'),
    ];
    await f.waitForStatus(ids, 'sent');
    const list = (query: string) =>
      t.app.inject({ method: 'GET', url: `/admin/messages?${query}`, headers: auth });

    const first = await list(`pageId=${page.id}&status=sent&recipient=${psid}&limit=2`);
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[1]]);
    const second = await list(
      `pageId=${page.id}&recipient=psid:${psid}&limit=2&cursor=${first.json().nextCursor}`,
    );
    expect(second.json()).toEqual({
      items: [expect.objectContaining({ id: ids[0], message: { text: 'l1' } })],
      nextCursor: null,
    });

    expect((await list('status=bogus')).statusCode).toBe(400);
    expect((await list('pageId=999999999')).statusCode).toBe(404);
  });

  it('is what other modules call: SendService.send queues like the admin API', async () => {
    const psid = await f.person(page.id);
    const result = await t.app
      .get(SendService)
      .send({ pageId: page.id, recipient: { id: psid }, senderAction: 'mark_seen' });
    expect(result).toEqual({ id: expect.any(String), created: true, status: 'queued' });
    await f.waitForStatus([result.id], 'sent');
    expect(graph.sentMessages(page.id).find((m) => m.recipient.id === psid)).toMatchObject({
      sender_action: 'mark_seen',
    });
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs-json' });
    const paths = res.json<{ paths: Record<string, Record<string, unknown>> }>().paths;
    expect(Object.keys(paths['/admin/pages/{pageId}/messages'])).toEqual(['post']);
    expect(paths['/admin/messages']).toHaveProperty('get');
    expect(paths['/admin/messages/{id}']).toHaveProperty('get');
    expect(paths['/admin/messages/{id}/retry']).toHaveProperty('post');
    expect(paths['/admin/messages/{id}/cancel']).toHaveProperty('post');
  });

  it('never stores or logs the Page token', async () => {
    await f.waitForStatus([await f.sendText(page.id, await f.person(page.id), 'no secrets')], 'sent');
    const rows = await f.db.query(`SELECT row_to_json(m)::text AS j FROM outbound_messages m`);
    expect(rows.length).toBeGreaterThan(0);
    for (const { j } of rows) expect(j).not.toContain(page.token);
    for (const line of t.logs) expect(line).not.toContain(page.token);
  });
});
