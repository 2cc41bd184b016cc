import { createHmac } from 'node:crypto';
import type { Client } from 'pg';
import { FakeGraph } from '../../src/sandbox/fake-graph/fake-graph.server';
import { eventually } from '../support/eventually';
import { createSpecDatabase, INBOUND_ADMIN_KEY, inboundAppEnv, webhookBody, type MessagingItem } from './inbound-support';
import { fakeGraphEnv } from '../support/fake-graph';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(60_000);

/** The example bot, end to end: signed webhook in, inbox, processor, handler, outbox, fake Graph out. */
describe('Example bot (e2e)', () => {
  let graph: FakeGraph;
  let t: TestApp;
  let db: { url: string; sql: Client; drop(): Promise<void> };
  let page: { id: string; token: string };
  // Now: a reply is only allowed within 24 hours of the event (Facebook's timestamp).
  let clock = Date.now() - 60_000;
  let mids = 0;

  beforeAll(async () => {
    graph = await FakeGraph.start();
    db = await createSpecDatabase('inbound_example');
    t = await startTestApp({
      ...inboundAppEnv(db.url, 'inbound-example', { INBOUND_DEFAULT_BOT: 'example' }),
      ...fakeGraphEnv(graph),
      BOT_ACCOUNT_LINK_URL: 'https://shop.example.com/messenger/link',
    });
    page = graph.addPage({ name: 'Example Page' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/pages',
      headers: { authorization: `Bearer ${INBOUND_ADMIN_KEY}` },
      payload: { accessToken: page.token },
    });
    expect(res.statusCode).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await graph?.stop();
    await db?.drop();
  });

  const deliver = async (items: MessagingItem[]) => {
    const body = webhookBody(items.map((item) => ({ page: page.id, item })));
    const signature = `sha256=${createHmac('sha256', graph.appSecret).update(body).digest('hex')}`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhook',
      payload: body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    });
    expect(res.statusCode).toBe(200);
  };
  const from = (psid: string, event: Record<string, unknown>): MessagingItem => ({
    sender: { id: psid },
    recipient: { id: page.id },
    timestamp: (clock += 1000),
    ...event,
  });
  const sentTo = (psid: string) => graph.sentMessages(page.id).filter((m) => m.recipient.id === psid);
  const messagesTo = (psid: string, count: number) =>
    eventually(`${count} messages to ${psid}`, () => {
      const sent = sentTo(psid).filter((m) => m.message);
      return Promise.resolve(sent.length >= count ? sent : undefined);
    }, 60_000, 100);

  it('answers the Get Started postback with a greeting and quick replies, showing the m.me ref', async () => {
    const psid = graph.addPsid(page.id);
    await deliver([
      from(psid, {
        postback: {
          mid: `m_gs_${++mids}`,
          title: 'Get Started',
          payload: 'GET_STARTED',
          referral: { ref: 'summer-sale', source: 'SHORTLINK', type: 'OPEN_THREAD' },
        },
      }),
    ]);
    const [greeting] = await messagesTo(psid, 1);
    expect(greeting).toMatchObject({ messaging_type: 'RESPONSE', message_id: expect.any(String) });
    expect(greeting.message?.text).toContain('You came with ref "summer-sale"');
    expect(greeting.message?.quick_replies).toEqual([
      { content_type: 'text', title: 'Menu', payload: 'QR_MENU' },
      { content_type: 'text', title: 'Link account', payload: 'QR_LINK' },
      { content_type: 'text', title: 'Help', payload: 'QR_HELP' },
    ]);
  });

  it('echoes text, and never answers the echo of its own reply', async () => {
    const psid = graph.addPsid(page.id);
    await deliver([from(psid, { message: { mid: `m_${++mids}`, text: 'Grüße' } })]);
    const [echo] = await messagesTo(psid, 1);
    expect(echo.message).toEqual({ text: 'You said: Grüße' });
    expect(sentTo(psid).map((m) => m.sender_action ?? 'message')).toEqual(['typing_on', 'message']);

    // Facebook echoes the Page's own send back with our app id: it must not start a loop.
    await deliver([
      {
        sender: { id: page.id },
        recipient: { id: psid },
        timestamp: (clock += 1000),
        message: { mid: echo.message_id, is_echo: true, app_id: Number(graph.appId), text: 'You said: Grüße' },
      },
    ]);
    await eventually('the echo handled', async () => {
      const { rows } = await db.sql.query(`SELECT status FROM inbound_events WHERE dedup_key LIKE $1`, [`%${echo.message_id}%`]);
      return rows[0]?.status === 'done' ? true : undefined;
    }, 60_000, 100);
    // Counted in the outbox, not at the fake Graph: a reply would be stored before the echo is done.
    const { rows } = await db.sql.query(
      `SELECT count(*)::int AS n FROM outbound_messages WHERE recipient->>'id' = $1 AND payload ? 'message'`,
      [psid],
    );
    expect(rows[0].n).toBe(1);
  });

  it('shows the menu, the account-link button, and a Send to Messenger data-ref', async () => {
    const psid = graph.addPsid(page.id);
    await deliver([from(psid, { message: { mid: `m_${++mids}`, text: 'Menu', quick_reply: { payload: 'QR_MENU' } } })]);
    await deliver([from(psid, { postback: { mid: `m_${++mids}`, title: 'My account', payload: 'MENU_ACCOUNT' } })]);
    await deliver([from(psid, { optin: { ref: 'order-42' } })]);
    await deliver([from(psid, { account_linking: { status: 'linked', authorization_code: 'code-1' } })]);
    const sent = await messagesTo(psid, 4);
    const payloadOf = (i: number) => (sent[i].message?.attachment as { payload: Record<string, unknown> }).payload;
    expect(payloadOf(0)).toMatchObject({ template_type: 'button', buttons: expect.arrayContaining([expect.objectContaining({ payload: 'MENU_ABOUT' })]) });
    expect(payloadOf(1).buttons).toEqual([{ type: 'account_link', url: 'https://shop.example.com/messenger/link' }]);
    expect(sent[2].message).toEqual({ text: 'Thanks for opting in! Your data-ref was "order-42".' });
    expect(sent[3].message).toEqual({ text: 'Your account is now linked. Welcome!' });
  });
});
