import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DEFAULT_SUBSCRIBED_FIELDS } from '../../src/config/pages.config';
import { PageStatusEvents, type PageStatusChange } from '../../src/pages/page-status.events';
import { PageTokenUnavailableError } from '../../src/pages/pages.errors';
import { PagesService } from '../../src/pages/pages.service';
import { TokenVault } from '../../src/pages/token-vault';
import { JobName, QueueName } from '../../src/queue/queue.constants';
import { FakeGraph } from '../../src/sandbox/fake-graph/fake-graph.server';
import { fakeGraphEnv } from '../support/fake-graph';
import { startTestApp, type TestApp } from '../support/test-app';
import { AdminClient, createOwnDatabase, ownAppEnv, type Json } from './pages-support';

/** Every token the fake Graph API issues looks like this (EAAP... Page, EAAU... user). */
const FAKE_TOKEN = /EAA[PU][A-Za-z0-9_-]{20,}/;

// Importing 250 Pages and checking them all make real HTTP calls to the fake Graph API.
jest.setTimeout(60_000);

describe('Pages (e2e)', () => {
  let graph: FakeGraph;
  let db: Awaited<ReturnType<typeof createOwnDatabase>>;
  let t: TestApp;
  const admin = new AdminClient(() => t);
  const statusChanges: PageStatusChange[] = [];
  let pages: PagesService;

  beforeAll(async () => {
    graph = await FakeGraph.start();
    db = await createOwnDatabase('pages');
    t = await startTestApp({
      ...ownAppEnv(db.url, 'pages'),
      ...fakeGraphEnv(graph),
      // The test runs the jobs itself; the schedule must not fire in the middle of it.
      PAGES_HEALTH_CHECK_MINUTES: '100000',
      PAGES_REENCRYPT_HOURS: '100000',
    });
    pages = t.app.get(PagesService);
    t.app.get(PageStatusEvents).changes$.subscribe((c) => statusChanges.push(c));
  });
  afterAll(async () => {
    await t?.close();
    await graph?.stop();
    await db?.drop();
  });

  const row = async (pageId: string) =>
    (await db.sql.query('SELECT * FROM pages WHERE page_id = $1', [pageId])).rows[0] as
      Record<string, Json> | undefined;
  const alertsOf = async (pageId: string, kind: string) =>
    (
      await db.sql.query(
        'SELECT kind, severity, status FROM alerts WHERE page_id = $1 AND kind = $2 ORDER BY created_at',
        [pageId, kind],
      )
    ).rows;
  const register = (body: Record<string, unknown>) => admin.call('POST', '/admin/pages', body);
  const runJob = async (name: JobName.CheckPages | JobName.ReencryptTokens) => {
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Maintenance));
    const job = await queue.add(name, {});
    return (await job.finished()) as Record<string, Json>;
  };

  describe('registration', () => {
    it('registers a Page: 201, the app subscribed with the default fields, the token encrypted', async () => {
      const page = graph.addPage({ name: 'Acme Support' });
      const res = await register({ accessToken: page.token });

      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        pageId: page.id,
        name: 'Acme Support',
        status: 'active',
        bot: null,
        tokenFingerprint: TokenVault.fingerprint(page.token),
        tokenExpiresAt: null,
        subscribedFields: DEFAULT_SUBSCRIBED_FIELDS,
      });
      expect(res.body.scopes).toContain('pages_messaging');
      expect(res.body).toEqual(
        expect.objectContaining({ createdAt: expect.any(String), updatedAt: expect.any(String) }),
      );
      expect(graph.subscribedFields(page.id)).toEqual(DEFAULT_SUBSCRIBED_FIELDS);

      const stored = await row(page.id);
      expect(stored!.token_iv).toHaveLength(12);
      expect(stored!.token_ciphertext.toString('latin1')).not.toContain(page.token);
      await expect(pages.getCredentials(page.id)).resolves.toEqual({
        pageId: page.id,
        status: 'active',
        bot: null,
        accessToken: page.token,
      });
      expect(statusChanges).toContainEqual({ pageId: page.id, status: 'active', previous: null });
    });

    it('re-registering an existing Page replaces its token and reactivates it (200)', async () => {
      const page = graph.addPage();
      expect((await register({ accessToken: page.token })).status).toBe(201);
      expect((await admin.call('PATCH', `/admin/pages/${page.id}`, { status: 'paused' })).body.status).toBe(
        'paused',
      );

      graph.revokePageToken(page.id);
      const newToken = graph.pageToken(page.id);
      const res = await register({ accessToken: newToken, pageId: page.id });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'active',
        tokenFingerprint: TokenVault.fingerprint(newToken),
      });
      expect((await pages.getCredentials(page.id)).accessToken).toBe(newToken);
      expect(statusChanges).toContainEqual({ pageId: page.id, status: 'active', previous: 'paused' });
    });

    it("refuses a token Facebook rejects with 422, Facebook's code and message, and stores nothing", async () => {
      const page = graph.addPage();
      graph.revokePageToken(page.id);
      const before = await db.sql.query('SELECT count(*)::int AS n FROM pages');

      for (const accessToken of ['EAAPnot-a-token-facebook-knows-000000000000', page.token]) {
        const res = await register({ accessToken });
        expect(res.status).toBe(422);
        expect(res.body).toMatchObject({ code: 'graph_token_rejected', graphCode: 190 });
        expect(res.body.message).toMatch(/access token/i);
        expect(typeof res.body.fbtraceId).toBe('string');
      }
      expect((await db.sql.query('SELECT count(*)::int AS n FROM pages')).rows).toEqual(before.rows);
      expect(graph.subscribedFields(page.id)).toBeUndefined();
    });

    it('refuses a user token, a token for another Page, and a token without pages_messaging (422, nothing stored)', async () => {
      const user = graph.addUser();
      const other = graph.addPage();
      const mute = graph.addPage({ scopes: ['pages_manage_metadata', 'pages_show_list'] });
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ accessToken: user.token }, 'not_a_page_token'],
        [{ accessToken: other.token, pageId: mute.id }, 'page_id_mismatch'],
        [{ accessToken: mute.token }, 'missing_permission'],
      ];
      for (const [body, code] of cases) {
        const res = await register(body);
        expect({ code: res.body.code, status: res.status }).toEqual({ code, status: 422 });
      }
      expect(await row(other.id)).toBeUndefined();
      expect(await row(mute.id)).toBeUndefined();
      expect(graph.subscribedFields(mute.id)).toBeUndefined();
    });

    it('stores nothing when subscribing the app fails (502 when Facebook fails, 422 when it refuses)', async () => {
      const page = graph.addPage();
      graph.failNext({
        method: 'POST',
        path: `/${page.id}/subscribed_apps`,
        status: 503,
        error: { code: 2, message: 'Service temporarily unavailable' },
      });
      expect((await register({ accessToken: page.token })).status).toBe(502);
      graph.failNext({
        method: 'POST',
        path: `/${page.id}/subscribed_apps`,
        error: { code: 200, message: '(#200) Permissions error' },
      });
      const refused = await register({ accessToken: page.token });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ graphCode: 200, message: '(#200) Permissions error' });
      expect(await row(page.id)).toBeUndefined();
    });

    it('subscribes only the requested fields, or none (status unsubscribed) with subscribe=false', async () => {
      const picky = graph.addPage();
      const res = await register({
        accessToken: picky.token,
        subscribedFields: ['messages', 'messaging_postbacks'],
      });
      expect(res.body.subscribedFields).toEqual(['messages', 'messaging_postbacks']);
      expect(graph.subscribedFields(picky.id)).toEqual(['messages', 'messaging_postbacks']);

      const later = graph.addPage();
      const deferred = await register({ accessToken: later.token, subscribe: false });
      expect(deferred.status).toBe(201);
      expect(deferred.body.status).toBe('unsubscribed');
      expect(graph.subscribedFields(later.id)).toBeUndefined();
    });
  });

  describe('import from a user token', () => {
    it('imports 250 Pages listed across three /me/accounts pages, one result per Page', async () => {
      const listed = Array.from({ length: 250 }, (_, i) => graph.addPage({ name: `Regional ${i}` }));
      // One of them is already registered: it is updated, not duplicated.
      expect((await register({ accessToken: listed[7].token })).status).toBe(201);
      const user = graph.addUser({ pageIds: listed.map((p) => p.id) });
      const accountCalls = () => graph.calls.filter((c) => c.path.endsWith('/me/accounts')).length;
      const callsBefore = accountCalls();

      const res = await admin.call('POST', '/admin/pages/import', { userAccessToken: user.token });

      expect(res.status).toBe(200);
      expect(res.body.summary).toEqual({ registered: 249, updated: 1, failed: 0 });
      expect(res.body.results).toHaveLength(250);
      expect(res.body.results.find((r: Json) => r.pageId === listed[7].id).result).toBe('updated');
      expect(accountCalls() - callsBefore).toBe(3);
      const ids = listed.map((p) => p.id);
      const stored = await db.sql.query(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'active')::int AS active FROM pages WHERE page_id = ANY($1)`,
        [ids],
      );
      expect(stored.rows[0]).toEqual({ n: 250, active: 250 });
      // Page tokens from a long-lived user token do not expire.
      expect((await admin.call('GET', `/admin/pages/${listed[100].id}`)).body.tokenExpiresAt).toBeNull();
      expect((await pages.getCredentials(listed[249].id)).accessToken).toBe(listed[249].token);
    });

    it('imports only the requested Pages and reports those the user does not manage', async () => {
      const [a, b] = [graph.addPage(), graph.addPage()];
      const stranger = graph.addPage();
      const mute = graph.addPage({ scopes: ['pages_manage_metadata'] });
      const user = graph.addUser({ pageIds: [a.id, b.id, mute.id] });
      const res = await admin.call('POST', '/admin/pages/import', {
        userAccessToken: user.token,
        pageIds: [b.id, stranger.id, mute.id],
      });
      expect(res.status).toBe(200);
      const byId = Object.fromEntries(res.body.results.map((r: Json) => [r.pageId, r]));
      expect(byId[b.id]).toMatchObject({ result: 'registered' });
      expect(byId[stranger.id]).toMatchObject({ result: 'failed', code: 'not_found_in_accounts' });
      expect(byId[mute.id]).toMatchObject({ result: 'failed', code: 'missing_permission' });
      expect(byId[a.id]).toBeUndefined();
      expect(await row(a.id)).toBeUndefined();
      expect(res.body.summary).toEqual({ registered: 1, updated: 0, failed: 2 });
    });

    it('refuses a user token Facebook rejects with 422', async () => {
      const res = await admin.call('POST', '/admin/pages/import', {
        userAccessToken: 'EAAUnot-a-known-user-token-000000000',
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'graph_token_rejected', graphCode: 190 });
    });
  });

  describe('admin API', () => {
    it('lists Pages by status, page after page, without repeats', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: Json } = await admin.call(
          'GET',
          `/admin/pages?status=active&limit=40${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.items.every((p: Json) => p.status === 'active')).toBe(true);
        seen.push(...res.body.items.map((p: Json) => p.pageId));
        cursor = res.body.nextCursor;
      } while (cursor);
      const active = await db.sql.query(`SELECT count(*)::int AS n FROM pages WHERE status = 'active'`);
      expect(seen.length).toBe(active.rows[0].n);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBeGreaterThan(250);
    });

    it('renames a Page, chooses its bot, pauses and resumes it', async () => {
      const page = graph.addPage();
      await register({ accessToken: page.token });
      const res = await admin.call('PATCH', `/admin/pages/${page.id}`, { name: 'Renamed', bot: 'example' });
      expect(res.body).toMatchObject({ name: 'Renamed', bot: 'example', status: 'active' });
      await expect(pages.getRouting(page.id)).resolves.toEqual({
        pageId: page.id,
        status: 'active',
        bot: 'example',
      });

      expect((await admin.call('PATCH', `/admin/pages/${page.id}`, { status: 'paused' })).body).toMatchObject(
        {
          status: 'paused',
          statusReason: 'paused by an operator',
        },
      );
      // The routing cache of this process is dropped on change.
      expect((await pages.getRouting(page.id))?.status).toBe('paused');
      expect(
        (await admin.call('PATCH', `/admin/pages/${page.id}`, { status: 'active', bot: null })).body,
      ).toMatchObject({
        status: 'active',
        bot: null,
      });
      await expect(pages.getRouting('999999999')).resolves.toBeNull();

      const at = new Date('2026-03-01T12:00:00.123Z');
      await pages.touchLastEvent(page.id, at);
      expect((await row(page.id))!.last_event_at).toEqual(at);
    });

    it('refuses an unknown bot name with 400 listing the known bots, before any Graph call', async () => {
      const page = graph.addPage();
      const callsBefore = graph.calls.length;
      const refused = await admin.call('POST', '/admin/pages', { accessToken: page.token, bot: 'support' });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'unknown_bot', knownBots: ['example'] });
      expect(graph.calls.length).toBe(callsBefore);

      expect((await register({ accessToken: page.token, bot: 'example' })).body).toMatchObject({
        bot: 'example',
      });
      const patch = await admin.call('PATCH', `/admin/pages/${page.id}`, { bot: 'shop' });
      expect(patch.status).toBe(400);
      expect(patch.body.message).toBe('Unknown bot "shop"; known bots: example');
    });

    it('puts a Page on hold when its token is reported invalid, and lifts it only with a working token', async () => {
      const page = graph.addPage();
      await register({ accessToken: page.token });
      await pages.markTokenInvalid(page.id, 'Send API answered 190');
      expect((await row(page.id))!.status).toBe('token_invalid');
      expect(await alertsOf(page.id, 'page_token_invalid')).toEqual([
        { kind: 'page_token_invalid', severity: 'critical', status: 'open' },
      ]);

      graph.revokePageToken(page.id);
      const stillDead = await admin.call('PATCH', `/admin/pages/${page.id}`, { status: 'active' });
      expect(stillDead.status).toBe(422);
      expect((await row(page.id))!.status).toBe('token_invalid');

      const wrongPage = await admin.call('PATCH', `/admin/pages/${page.id}`, {
        accessToken: graph.addPage().token,
      });
      expect(wrongPage).toMatchObject({ status: 422, body: { code: 'page_id_mismatch' } });

      const fixed = await admin.call('PATCH', `/admin/pages/${page.id}`, {
        accessToken: graph.pageToken(page.id),
      });
      expect(fixed.status).toBe(200);
      expect(fixed.body).toMatchObject({
        status: 'active',
        tokenFingerprint: TokenVault.fingerprint(graph.pageToken(page.id)),
      });
      expect(await alertsOf(page.id, 'page_token_invalid')).toEqual([
        { kind: 'page_token_invalid', severity: 'critical', status: 'resolved' },
      ]);
      expect(statusChanges).toContainEqual({ pageId: page.id, status: 'token_invalid', previous: 'active' });
      expect(statusChanges).toContainEqual({ pageId: page.id, status: 'active', previous: 'token_invalid' });
    });

    it('pauses a Page for a policy block with an alert', async () => {
      const page = graph.addPage();
      await register({ accessToken: page.token });
      await pages.pauseForPolicy(page.id, 'Send API answered 368');
      await pages.pauseForPolicy(page.id, 'Send API answered 368');
      expect(await row(page.id)).toMatchObject({ status: 'paused', status_reason: 'Send API answered 368' });
      expect(await alertsOf(page.id, 'page_paused')).toEqual([
        { kind: 'page_paused', severity: 'critical', status: 'open' },
      ]);
    });

    it('reports health live and stores the report; resubscribes on demand', async () => {
      const page = graph.addPage();
      await register({ accessToken: page.token });
      const healthy = await admin.call('GET', `/admin/pages/${page.id}/health`);
      expect(healthy.status).toBe(200);
      expect(healthy.body).toMatchObject({
        pageId: page.id,
        healthy: true,
        problems: [],
        token: { valid: true, type: 'PAGE', expiresAt: null, missingScopes: [] },
        subscription: { subscribed: true, missingFields: [] },
      });

      graph.dropSubscription(page.id);
      const broken = await admin.call('GET', `/admin/pages/${page.id}/health`);
      expect(broken.body).toMatchObject({ healthy: false, problems: ['subscription_missing'] });
      expect(broken.body.subscription.missingFields).toEqual(DEFAULT_SUBSCRIBED_FIELDS);
      const view = await admin.call('GET', `/admin/pages/${page.id}`);
      expect(view.body.health).toEqual(broken.body);
      expect(view.body.lastHealthCheckAt).not.toBeNull();

      const resubscribed = await admin.call('POST', `/admin/pages/${page.id}/subscription`);
      expect(resubscribed.status).toBe(200);
      expect(graph.subscribedFields(page.id)).toEqual(DEFAULT_SUBSCRIBED_FIELDS);
    });

    it('reads and writes the Messenger profile', async () => {
      const page = graph.addPage();
      await register({ accessToken: page.token });
      const profile = {
        get_started: { payload: 'GET_STARTED' },
        greeting: [{ locale: 'default', text: 'Hello {{user_first_name}}!' }],
        persistent_menu: [
          {
            locale: 'default',
            composer_input_disabled: false,
            call_to_actions: [
              { type: 'postback', title: 'Help', payload: 'HELP' },
              { type: 'web_url', title: 'Shop', url: 'https://shop.example.com' },
            ],
          },
        ],
        ice_breakers: [
          { locale: 'default', call_to_actions: [{ question: 'Where is my order?', payload: 'ORDER' }] },
        ],
        whitelisted_domains: ['https://shop.example.com'],
      };
      const put = await admin.call('PUT', `/admin/pages/${page.id}/profile`, profile);
      expect(put.status).toBe(200);
      expect(put.body).toEqual(profile);
      expect(graph.messengerProfile(page.id)).toMatchObject({ get_started: { payload: 'GET_STARTED' } });
      expect(await admin.call('GET', `/admin/pages/${page.id}/profile`)).toEqual({
        status: 200,
        body: profile,
      });

      const empty = await admin.call('PUT', `/admin/pages/${page.id}/profile`, {});
      expect(empty).toMatchObject({ status: 400, body: { code: 'empty_profile' } });
    });

    it('removes a Page: unsubscribes, erases the token, keeps the row; later calls answer 409', async () => {
      const page = graph.addPage();
      await register({ accessToken: page.token });
      const res = await admin.call('DELETE', `/admin/pages/${page.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        unsubscribed: true,
        page: { status: 'removed', tokenFingerprint: TokenVault.fingerprint(page.token) },
      });
      expect(graph.subscribedFields(page.id)).toBeUndefined();
      expect(await row(page.id)).toMatchObject({
        status: 'removed',
        token_ciphertext: null,
        token_key_id: null,
      });
      await expect(pages.getCredentials(page.id)).rejects.toBeInstanceOf(PageTokenUnavailableError);

      for (const [method, url] of [
        ['GET', `/admin/pages/${page.id}/health`],
        ['GET', `/admin/pages/${page.id}/profile`],
        ['POST', `/admin/pages/${page.id}/subscription`],
        ['PATCH', `/admin/pages/${page.id}`],
      ] as const) {
        const answer = await admin.call(method, url, method === 'PATCH' ? { name: 'x' } : undefined);
        expect({ url, status: answer.status, code: answer.body.code }).toEqual({
          url,
          status: 409,
          code: 'page_removed',
        });
      }
      expect((await admin.call('GET', `/admin/pages/${page.id}`)).body.status).toBe('removed');
      expect((await admin.call('DELETE', `/admin/pages/${page.id}`)).status).toBe(200);
      // Registering it again brings it back.
      expect((await register({ accessToken: page.token })).status).toBe(200);
      expect((await row(page.id))!.status).toBe('active');
    });

    it('removes a Page even when Facebook refuses to unsubscribe, and says so', async () => {
      const page = graph.addPage();
      await register({ accessToken: page.token });
      graph.failNext({
        method: 'DELETE',
        path: `/${page.id}/subscribed_apps`,
        status: 500,
        error: { code: 1, message: 'An unknown error occurred' },
      });
      const res = await admin.call('DELETE', `/admin/pages/${page.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        unsubscribed: false,
        unsubscribeError: { code: 1, message: 'An unknown error occurred' },
      });
      expect((await row(page.id))!.status).toBe('removed');
    });
  });

  describe('health job', () => {
    it('re-subscribes a Page Facebook unsubscribed and puts a revoked token on hold with one alert', async () => {
      const dropped = graph.addPage();
      const revoked = graph.addPage();
      await register({ accessToken: dropped.token });
      await register({ accessToken: revoked.token });
      graph.dropSubscription(dropped.id);
      graph.revokePageToken(revoked.id);

      const summary = await runJob(JobName.CheckPages);
      expect(summary.checked).toBeGreaterThan(250);
      expect(summary.outcomes).toMatchObject({ failed: 0 });
      expect(summary.outcomes.repaired).toBeGreaterThanOrEqual(1);

      expect(graph.subscribedFields(dropped.id)).toEqual(DEFAULT_SUBSCRIBED_FIELDS);
      expect((await row(dropped.id))!.status).toBe('active');
      expect(await alertsOf(dropped.id, 'page_unsubscribed')).toEqual([
        { kind: 'page_unsubscribed', severity: 'warning', status: 'resolved' },
      ]);

      expect((await row(revoked.id))!.status).toBe('token_invalid');
      expect(statusChanges).toContainEqual({
        pageId: revoked.id,
        status: 'token_invalid',
        previous: 'active',
      });

      // A second run changes nothing for either Page and raises no second alert.
      await runJob(JobName.CheckPages);
      expect(await alertsOf(revoked.id, 'page_token_invalid')).toEqual([
        { kind: 'page_token_invalid', severity: 'critical', status: 'open' },
      ]);
      expect(await alertsOf(dropped.id, 'page_unsubscribed')).toHaveLength(1);
    });

    it('subscribes Pages registered without a subscription, and skips Pages while Facebook is unreachable', async () => {
      const page = graph.addPage();
      await register({ accessToken: page.token, subscribe: false });
      const invalidBefore = await db.sql.query(
        `SELECT count(*)::int AS n FROM pages WHERE status = 'token_invalid'`,
      );
      // Facebook unreachable for two of the checks: those Pages are skipped, not judged.
      graph.failNext({ method: 'GET', path: '/debug_token', hangup: true, times: 2 });

      const summary = await runJob(JobName.CheckPages);

      expect(summary.outcomes).toMatchObject({ skipped: 2, token_invalid: 0, failed: 0 });
      expect(
        (await db.sql.query(`SELECT count(*)::int AS n FROM pages WHERE status = 'token_invalid'`)).rows,
      ).toEqual(invalidBefore.rows);
      expect((await row(page.id))!.status).toBe('active');
      expect(graph.subscribedFields(page.id)).toEqual(DEFAULT_SUBSCRIBED_FIELDS);
    });
  });

  it('never puts a token in a response body or a log line', () => {
    expect(admin.bodies.length).toBeGreaterThan(30);
    expect(t.logs.length).toBeGreaterThan(30);
    const leaks = [...admin.bodies, ...t.logs].filter(
      (text) => FAKE_TOKEN.test(text) || text.includes(graph.appSecret),
    );
    expect(leaks).toEqual([]);
  });
});
