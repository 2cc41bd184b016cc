import type { Client } from 'pg';
import { eventually } from '../support/eventually';
import {
  CALLS_TABLE_SQL,
  createSpecDatabase,
  fbId,
  INBOUND_ADMIN_KEY,
  INBOUND_APP_ID,
  inboundAppEnv,
  insertPage,
  RecorderBotModule,
  signBody,
  textItem,
  webhookBody,
  type MessagingItem,
} from './inbound-support';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(60_000);

describe('Inbound processor (e2e)', () => {
  let t: TestApp;
  let db: { url: string; sql: Client; drop(): Promise<void> };
  let sql: Client;
  let clock = 1_764_100_000_000;
  let midSeq = 0;

  beforeAll(async () => {
    db = await createSpecDatabase('inbound_proc');
    sql = db.sql;
    t = await startTestApp(inboundAppEnv(db.url, 'inbound-proc', { INBOUND_MAX_ATTEMPTS: '3' }), {
      imports: [RecorderBotModule.forInstance('a')],
    });
    await sql.query(CALLS_TABLE_SQL);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const post = async (items: Array<{ page: string; item: MessagingItem; standby?: boolean }>) => {
    const body = webhookBody(items);
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhook',
      payload: body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body) },
    });
    expect(res.statusCode).toBe(200);
  };
  const admin = (method: 'POST' | 'GET', url: string) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${INBOUND_ADMIN_KEY}` } });
  const msg = (page: string, psid: string, text: string) => ({
    page,
    item: textItem(page, psid, (clock += 1000), text, `m_${fbId()}_${++midSeq}`),
  });
  const rowsOf = async (page: string) =>
    (
      await sql.query<{
        id: string;
        status: string;
        attempts: number;
        last_error: string | null;
        text: string;
      }>(
        `SELECT id, status, attempts, last_error, payload->'message'->>'text' AS text
         FROM inbound_events WHERE page_id = $1 ORDER BY fb_timestamp, id`,
        [page],
      )
    ).rows;
  const callsOf = async (page: string) =>
    (
      await sql.query<{ label: string; kind: string; attempt: number; event_id: string }>(
        `SELECT label, kind, attempt, event_id FROM inbound_test_calls WHERE page_id = $1 ORDER BY id`,
        [page],
      )
    ).rows;
  const settled = (page: string, count: number) =>
    eventually(`${count} settled rows of ${page}`, async () => {
      const rows = await rowsOf(page);
      return rows.length === count && rows.every((r) => !['pending', 'processing'].includes(r.status))
        ? rows
        : undefined;
    }, 60_000, 100);

  it('retries a handler that throws twice, then handles what came after it, in order', async () => {
    const page = fbId();
    const user = fbId();
    await insertPage(sql, page);
    await post([msg(page, user, 'n:1'), msg(page, user, 'throw2:2'), msg(page, user, 'n:3')]);
    const rows = await settled(page, 3);
    expect(rows.map((r) => [r.text, r.status, r.attempts])).toEqual([
      ['n:1', 'done', 1],
      ['throw2:2', 'done', 3],
      ['n:3', 'done', 1],
    ]);
    const calls = await callsOf(page);
    expect(calls.map((c) => `${c.label}#${c.attempt}`)).toEqual([
      'n:1#1',
      'throw2:2#1',
      'throw2:2#2',
      'throw2:2#3',
      'n:3#1',
    ]);
  });

  it('commits a batch up to a throwing handler: the events before it done once with one reply each, then retries from it', async () => {
    const page = fbId();
    const user = fbId();
    await insertPage(sql, page);
    // Recent timestamps: the replies must fall inside the 24-hour window the messages open.
    const now = Date.now();
    await post(
      ['say:1', 'say:2', 'saythrow2:3', 'say:4', 'say:5'].map((text, i) => ({
        page,
        item: textItem(page, user, now - 5_000 + i, text, `m_${fbId()}_${++midSeq}`),
      })),
    );
    const rows = await settled(page, 5);
    expect(rows.map((r) => [r.text, r.status, r.attempts])).toEqual([
      ['say:1', 'done', 1],
      ['say:2', 'done', 1],
      ['saythrow2:3', 'done', 3],
      ['say:4', 'done', 1],
      ['say:5', 'done', 1],
    ]);
    expect((await callsOf(page)).map((c) => `${c.label}#${c.attempt}`)).toEqual([
      'say:1#1',
      'say:2#1',
      'saythrow2:3#1',
      'saythrow2:3#2',
      'saythrow2:3#3',
      'say:4#1',
      'say:5#1',
    ]);
    // Events 1 and 2 were committed by one transaction (now() is the transaction's start time).
    const handledAt = await sql.query<{ at: Date }>(
      `SELECT handled_at AS at FROM inbound_events WHERE page_id = $1 ORDER BY fb_timestamp LIMIT 2`,
      [page],
    );
    expect(handledAt.rows[0].at).toEqual(handledAt.rows[1].at);
    // The replies staged by the two failed attempts were dropped with them: one reply per event.
    const replies = await sql.query<{ text: string; key: string }>(
      `SELECT payload->'message'->>'text' AS text, idempotency_key AS key FROM outbound_messages WHERE page_id = $1 ORDER BY seq`,
      [page],
    );
    expect(replies.rows.map((r) => r.text)).toEqual([
      're:say:1',
      're:say:2',
      're:saythrow2:3',
      're:say:4',
      're:say:5',
    ]);
    expect(new Set(replies.rows.map((r) => r.key)).size).toBe(5);
  });

  it('fails an always-throwing event after INBOUND_MAX_ATTEMPTS, alerts once, moves on; replay works', async () => {
    const page = fbId();
    const [u1, u2] = [fbId(), fbId()];
    await insertPage(sql, page);
    await post([msg(page, u1, 'throwall:1'), msg(page, u1, 'n:2'), msg(page, u2, 'throwall:3')]);
    const rows = await settled(page, 3);
    expect(rows.map((r) => [r.text, r.status, r.attempts])).toEqual([
      ['throwall:1', 'failed', 3],
      ['n:2', 'done', 1],
      ['throwall:3', 'failed', 3],
    ]);
    expect(rows[0].last_error).toContain('always fails');
    const alerts = await sql.query<{ occurrences: number }>(
      `SELECT * FROM alerts WHERE kind = 'event_failed' AND page_id = $1`,
      [page],
    );
    expect(alerts.rows).toHaveLength(1);

    const replay = await admin('POST', `/admin/events/${rows[0].id}/replay`);
    expect(replay.statusCode).toBe(202);
    expect(replay.json()).toEqual({ id: rows[0].id, status: 'pending' });
    await settled(page, 3);
    const calls = await callsOf(page);
    expect(calls.filter((c) => c.label === 'throwall:1')).toHaveLength(6);

    const batch = await admin('POST', `/admin/pages/${page}/events/replay?status=failed`);
    expect(batch.statusCode).toBe(202);
    expect(batch.json()).toEqual({ count: 2 });
    await settled(page, 3);
    expect((await callsOf(page)).filter((c) => c.label.startsWith('throwall'))).toHaveLength(15);
    expect((await callsOf(page)).filter((c) => c.label === 'n:2')).toHaveLength(1);
  });

  it('answers 404 for an unknown event or Page, 400 for a malformed id, 409 while an event is pending, 400 for a bad status', async () => {
    expect((await admin('POST', '/admin/events/999999999/replay')).statusCode).toBe(404);
    expect((await admin('POST', '/admin/events/not-a-number/replay')).statusCode).toBe(400);
    expect((await admin('POST', `/admin/pages/${fbId()}/events/replay`)).statusCode).toBe(404);
    const page = fbId();
    await insertPage(sql, page);
    expect((await admin('POST', `/admin/pages/${page}/events/replay?status=pending`)).statusCode).toBe(400);
    expect((await admin('POST', `/admin/pages/${page}/events/replay?since=yesterday`)).statusCode).toBe(400);
    const pending = await sql.query<{ id: string }>(
      `INSERT INTO inbound_events (dedup_key, page_id, psid, conversation_key, event_type, fb_timestamp, payload, next_attempt_at)
       VALUES ($1, $2, 'u', 'u', 'message', now(), '{}', now() + interval '1 hour') RETURNING id`,
      [`test:${fbId()}`, page],
    );
    const res = await admin('POST', `/admin/events/${pending.rows[0].id}/replay`);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'event_not_replayable' });
  });

  it('ignores events of unknown and removed Pages with the reason, handles paused Pages', async () => {
    const [unknown, removed, paused] = [fbId(), fbId(), fbId()];
    await sql.query(`INSERT INTO pages (page_id, name, status) VALUES ($1, 'gone', 'removed')`, [removed]);
    await insertPage(sql, paused, 'paused');
    const user = fbId();
    await post([msg(unknown, user, 'n:1'), msg(removed, user, 'n:1'), msg(paused, user, 'n:1')]);
    expect((await settled(unknown, 1))[0]).toMatchObject({ status: 'ignored', last_error: 'unknown_page' });
    expect((await settled(removed, 1))[0]).toMatchObject({ status: 'ignored', last_error: 'page_removed' });
    expect((await settled(paused, 1))[0]).toMatchObject({ status: 'done' });
    expect(await callsOf(unknown)).toHaveLength(0);
    expect(await callsOf(paused)).toHaveLength(1);
  });

  it('routes echoes (ours and others) only to @OnEcho, updates the conversation window only for user events', async () => {
    const page = fbId();
    const user = fbId();
    await insertPage(sql, page);
    const echo = (appId: string | undefined, text: string) => ({
      page,
      item: {
        sender: { id: page },
        recipient: { id: user },
        timestamp: (clock += 1000),
        message: { mid: `m_${fbId()}`, is_echo: true, ...(appId ? { app_id: Number(appId) } : {}), text },
      },
    });
    await post([echo(INBOUND_APP_ID, 'mine'), echo('123456', 'theirs'), echo(undefined, 'inbox')]);
    await settled(page, 3);
    expect((await callsOf(page)).map((c) => `${c.kind}:${c.label}`)).toEqual([
      'own-echo:mine',
      'echo:theirs',
      'echo:inbox',
    ]);
    const conv = await sql.query(
      `SELECT last_user_message_at, last_event_at FROM conversations WHERE page_id = $1`,
      [page],
    );
    expect(conv.rows).toEqual([{ last_user_message_at: null, last_event_at: expect.any(Date) }]);

    await post([msg(page, user, 'n:after-echo')]);
    await settled(page, 4);
    const after = await sql.query(`SELECT last_user_message_at FROM conversations WHERE page_id = $1`, [
      page,
    ]);
    expect(after.rows[0].last_user_message_at).toEqual(new Date(clock));
  });

  it('marks unmatched events done and unsupported event types ignored, never failed', async () => {
    const page = fbId();
    const user = fbId();
    await insertPage(sql, page);
    const item = (body: Record<string, unknown>) => ({
      page,
      item: { sender: { id: user }, recipient: { id: page }, timestamp: (clock += 1000), ...body },
    });
    await post([item({ read: { watermark: 1 } }), item({ message_edit: { mid: 'x', text: 'edited' } })]);
    const rows = await settled(page, 2);
    expect(rows.map((r) => r.status).sort()).toEqual(['done', 'ignored']);
    expect(rows.find((r) => r.status === 'ignored')?.last_error).toBe('unsupported_event:message_edit');
  });
});
