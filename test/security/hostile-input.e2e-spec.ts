import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../support/test-app';

const ADMIN_KEY = 'e2e-hostile-admin-key-0123456789-abcdefghij';
const APP_SECRET = 'e2e-hostile-app-secret-0123456789';

const sign = (raw: string) => `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('hostile input (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_API_KEY: ADMIN_KEY, FB_APP_SECRET: APP_SECRET });
  });
  afterAll(async () => {
    await t?.close();
  });

  const inboxRows = async () =>
    Number((await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM inbound_events`))[0].n);

  it('refuses JSON nested deeper than 64 levels with 400 on an admin route, and changes nothing', async () => {
    const before = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM pages`);
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/pages',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      payload: nested(10_000),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, code: 'json_too_deep' });
    expect(await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM pages`)).toEqual(before);
  });

  it('checks the webhook signature before the depth: unsigned deep bodies get 401, signed ones 400', async () => {
    const before = await inboxRows();
    const raw = `{"object":"page","entry":[${nested(5_000)}]}`;
    const unsigned = await t.app.inject({
      method: 'POST',
      url: '/webhook',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign('other') },
      payload: raw,
    });
    expect(unsigned.statusCode).toBe(401);
    const signed = await t.app.inject({
      method: 'POST',
      url: '/webhook',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw) },
      payload: raw,
    });
    expect(signed.statusCode).toBe(400);
    expect(signed.json()).toMatchObject({
      code: 'invalid_webhook_body',
      message: 'Body is nested too deeply',
    });
    expect(await inboxRows()).toBe(before);
  });

  it('accepts ordinary nesting (a generic template) on the same parser', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/pages',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      payload: nested(20),
    });
    // Past the parser: the validation pipe names the unknown field.
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
  });

  it.each([
    ['GET', '/admin/events/99999999999999999999'],
    ['POST', '/admin/events/99999999999999999999/replay'],
    ['GET', '/admin/messages/1'],
    ['GET', '/admin/alerts/1'],
    ['GET', `/admin/pages/${'1'.repeat(40)}`],
    ['GET', '/admin/pages/12ab'],
    ['POST', '/admin/pages/abc/events/replay'],
    ['GET', '/admin/events?cursor=99999999999999999999'],
  ])('answers 400 to %s %s (an id that does not fit its column)', async (method, url) => {
    const res = await t.app.inject({
      method: method as 'GET' | 'POST',
      url,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
  });

  it('answers 404 to a 25-digit Page id (well formed, not registered)', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/admin/pages/${'1'.repeat(25)}`,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('DOCS_ENABLED=false (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DOCS_ENABLED: 'false' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves no OpenAPI page', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/docs-json' })).statusCode).toBe(404);
  });
});
