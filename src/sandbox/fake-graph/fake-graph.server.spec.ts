import { createHmac } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { GraphApiClient } from '../../graph/graph-api.client';
import { GraphApiError } from '../../graph/graph-api.error';
import { FakeGraph } from './fake-graph.server';

// Raw Facebook JSON, asserted field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawJson = Record<string, any>;

describe(FakeGraph.name, () => {
  let graph: FakeGraph;
  let client: GraphApiClient;
  const clients: GraphApiClient[] = [];
  const clientFor = (
    overrides: { appSecret?: string; graphVersion?: string; graphTimeoutMs?: number } = {},
  ) => {
    const c = new GraphApiClient({
      appId: graph.appId,
      appSecret: graph.appSecret,
      verifyToken: 'v',
      graphBaseUrl: graph.baseUrl,
      graphVersion: 'v23.0',
      graphTimeoutMs: 2_000,
      ...overrides,
    });
    clients.push(c);
    return c;
  };
  const proof = (token: string) => createHmac('sha256', graph.appSecret).update(token).digest('hex');
  const raw = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${graph.baseUrl}${path}`, init);
    return { status: res.status, headers: res.headers, body: (await res.json()) as RawJson };
  };
  const failure = async (promise: Promise<unknown>): Promise<GraphApiError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GraphApiError);
    return error as GraphApiError;
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    graph = await FakeGraph.start();
    client = clientFor();
  });
  afterEach(() => graph.reset());
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.onApplicationShutdown()));
    await graph.stop();
  });

  describe('tokens and appsecret_proof', () => {
    it('refuses a call without appsecret_proof, in Facebook error shape', async () => {
      const page = graph.addPage();
      const res = await raw(`/v23.0/me?access_token=${page.token}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: {
          message: 'Invalid appsecret_proof provided in the API argument',
          type: 'GraphMethodException',
          code: 100,
          fbtrace_id: expect.any(String),
        },
      });
    });

    it('refuses a wrong appsecret_proof and accepts the right one', async () => {
      const page = graph.addPage();
      const wrong = await raw(`/v23.0/me?access_token=${page.token}&appsecret_proof=${proof('other')}`);
      expect(wrong.body.error.code).toBe(100);
      const right = await raw(`/v23.0/me?access_token=${page.token}&appsecret_proof=${proof(page.token)}`);
      expect(right).toMatchObject({ status: 200, body: { id: page.id, name: page.name } });
    });

    it('refuses a call signed with another app secret (client misconfigured)', async () => {
      const page = graph.addPage();
      const error = await failure(clientFor({ appSecret: 'not-the-secret' }).getMe(page.token));
      expect(error).toMatchObject({ httpStatus: 400, code: 100, kind: 'permanent' });
    });

    it('answers 190 (HTTP 400) to an unknown token and 2500 to none', async () => {
      await expect(failure(client.getMe('EAAnotAtoken'))).resolves.toMatchObject({
        httpStatus: 400,
        code: 190,
        kind: 'auth',
      });
      const none = await raw('/v23.0/me');
      expect(none.body.error).toMatchObject({ code: 2500, type: 'OAuthException' });
    });

    it('answers 190/460 with HTTP 401 to a revoked Page token, and a reconnect gets a fresh one', async () => {
      const page = graph.addPage();
      graph.revokePageToken(page.id);
      const error = await failure(client.getMe(page.token));
      expect(error).toMatchObject({ httpStatus: 401, code: 190, subcode: 460, kind: 'auth' });
      expect(graph.pageToken(page.id)).not.toBe(page.token);
      await expect(client.getMe(graph.pageToken(page.id))).resolves.toEqual({ id: page.id, name: page.name });
    });

    it('accepts any Graph version prefix', async () => {
      const page = graph.addPage();
      await expect(clientFor({ graphVersion: 'v19.0' }).getMe(page.token)).resolves.toMatchObject({
        id: page.id,
      });
      expect(graph.calls[0].path).toBe('/v19.0/me');
    });
  });

  describe('/me and /debug_token', () => {
    it('tells a Page token from a user token', async () => {
      const page = graph.addPage({ name: 'Bakery' });
      const user = graph.addUser({ pageIds: [page.id] });
      await expect(client.getMe(page.token)).resolves.toEqual({ id: page.id, name: 'Bakery' });
      await expect(client.getMe(user.token)).resolves.toMatchObject({ id: user.id });
    });

    it('describes a Page token', async () => {
      const page = graph.addPage();
      const info = await client.debugToken(page.token);
      expect(info).toMatchObject({
        isValid: true,
        type: 'PAGE',
        appId: graph.appId,
        profileId: page.id,
        expiresAt: null,
      });
      expect(info.scopes).toEqual(expect.arrayContaining(['pages_messaging', 'pages_manage_metadata']));
      expect(graph.calls[0]).toMatchObject({
        tokenType: 'APP',
        query: { input_token: '[masked]', access_token: '[masked]' },
      });
    });

    it('describes a short-lived user token with its expiry', async () => {
      const user = graph.addUser();
      const info = await client.debugToken(user.token);
      expect(info).toMatchObject({ isValid: true, type: 'USER', userId: user.id });
      expect(info.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    });

    it('reports revoked and unknown tokens as invalid, with a reason', async () => {
      const page = graph.addPage();
      graph.revokePageToken(page.id);
      await expect(client.debugToken(page.token)).resolves.toMatchObject({
        isValid: false,
        profileId: page.id,
        errorMessage: expect.any(String),
      });
      await expect(client.debugToken('EAAunknown')).resolves.toMatchObject({ isValid: false, scopes: [] });
    });

    it('requires the app token or a valid token', async () => {
      const res = await raw(
        `/v23.0/debug_token?input_token=x&access_token=${graph.appId}|wrong&appsecret_proof=${proof(`${graph.appId}|wrong`)}`,
      );
      expect(res.body.error.code).toBe(190);
    });
  });

  describe('/oauth/access_token', () => {
    it('exchanges a short-lived user token for a working 60-day one', async () => {
      const user = graph.addUser();
      const long = await client.exchangeForLongLivedUserToken(user.token);
      expect(long.accessToken).not.toBe(user.token);
      expect(long.expiresIn).toBeGreaterThan(50 * 24 * 3600);
      await expect(client.getMe(long.accessToken)).resolves.toMatchObject({ id: user.id });
      expect(JSON.stringify(graph.calls)).not.toContain(graph.appSecret);
    });

    it('refuses a wrong client secret and an unknown token', async () => {
      const user = graph.addUser();
      await expect(
        failure(clientFor({ appSecret: 'wrong' }).exchangeForLongLivedUserToken(user.token)),
      ).resolves.toMatchObject({ code: 1 });
      await expect(failure(client.exchangeForLongLivedUserToken('EAAnope'))).resolves.toMatchObject({
        code: 190,
      });
    });
  });

  describe('/me/accounts', () => {
    it('pages with limit, cursors and an absolute next URL carrying the token', async () => {
      const pages = [graph.addPage(), graph.addPage(), graph.addPage()];
      const user = graph.addUser({ pageIds: pages.map((p) => p.id) });
      const first = await raw(
        `/v23.0/me/accounts?limit=2&access_token=${user.token}&appsecret_proof=${proof(user.token)}`,
      );
      expect(first.body.data.map((p: { id: string }) => p.id)).toEqual([pages[0].id, pages[1].id]);
      expect(first.body.data[0]).toMatchObject({
        access_token: pages[0].token,
        name: pages[0].name,
        tasks: expect.arrayContaining(['MESSAGING']),
      });
      const next = new URL(first.body.paging.next as string);
      expect(`${next.origin}${next.pathname}`).toBe(`${graph.baseUrl}/v23.0/me/accounts`);
      expect(next.searchParams.get('access_token')).toBe(user.token);
      expect(next.searchParams.get('after')).toBe(first.body.paging.cursors.after);
      next.searchParams.set('appsecret_proof', proof(user.token));
      const second = await raw(`${next.pathname}${next.search}`);
      expect(second.body.data.map((p: { id: string }) => p.id)).toEqual([pages[2].id]);
      expect(second.body.paging.next).toBeUndefined();
    });

    it('defaults to 25 per page and the client follows every page', async () => {
      const pages = Array.from({ length: 30 }, () => graph.addPage());
      const user = graph.addUser({ pageIds: pages.map((p) => p.id) });
      const first = await raw(
        `/v23.0/me/accounts?access_token=${user.token}&appsecret_proof=${proof(user.token)}`,
      );
      expect(first.body.data).toHaveLength(25);
      const accounts = await client.listPageAccounts(user.token);
      expect(accounts.map((a) => a.id)).toEqual(pages.map((p) => p.id));
    });

    it('needs a user token', async () => {
      const page = graph.addPage();
      await expect(failure(client.listPageAccounts(page.token))).resolves.toMatchObject({
        code: 100,
        kind: 'permanent',
      });
    });
  });

  describe('/{page-id}/subscribed_apps', () => {
    it('subscribes, lists, drops and unsubscribes', async () => {
      const page = graph.addPage();
      await client.subscribeApp(page.id, page.token, ['messages', 'messaging_postbacks']);
      await expect(client.getSubscribedApps(page.id, page.token)).resolves.toEqual([
        { id: graph.appId, name: expect.any(String), subscribedFields: ['messages', 'messaging_postbacks'] },
      ]);
      graph.dropSubscription(page.id);
      await expect(client.getSubscribedApps(page.id, page.token)).resolves.toEqual([]);
      await client.subscribeApp(page.id, page.token, ['messages']);
      await client.unsubscribeApp(page.id, page.token);
      expect(graph.subscribedFields(page.id)).toBeUndefined();
    });

    it("refuses another Page's token, a user token and an unknown Page", async () => {
      const page = graph.addPage();
      const other = graph.addPage();
      const user = graph.addUser({ pageIds: [page.id] });
      await expect(failure(client.getSubscribedApps(page.id, other.token))).resolves.toMatchObject({
        code: 210,
        kind: 'auth',
      });
      await expect(failure(client.getSubscribedApps(page.id, user.token))).resolves.toMatchObject({
        code: 210,
      });
      await expect(failure(client.getSubscribedApps('999', page.token))).resolves.toMatchObject({
        code: 100,
        subcode: 33,
      });
    });
  });

  describe('/me/messages', () => {
    it("accepts a message to one of the Page's PSIDs and records it", async () => {
      const page = graph.addPage();
      const psid = graph.addPsid(page.id);
      const body = {
        recipient: { id: psid },
        messaging_type: 'RESPONSE' as const,
        message: { text: 'hello' },
      };
      const result = await client.sendMessage(page.token, body);
      expect(result).toEqual({ recipientId: psid, messageId: expect.stringMatching(/^m_/) });
      expect(graph.sentMessages(page.id)).toEqual([
        { pageId: page.id, ...body, recipient_id: psid, message_id: result.messageId, at: expect.any(Date) },
      ]);
      expect(graph.sentMessages('other')).toEqual([]);
    });

    it('accepts sender actions', async () => {
      const page = graph.addPage();
      const psid = graph.addPsid(page.id);
      await expect(
        client.sendMessage(page.token, { recipient: { id: psid }, sender_action: 'typing_on' }),
      ).resolves.toEqual({ recipientId: psid });
      expect(graph.sentMessages()[0]).toMatchObject({ sender_action: 'typing_on', message_id: undefined });
    });

    it("answers 100/2018001 for another Page's PSID", async () => {
      const page = graph.addPage();
      const psid = graph.addPsid(graph.addPage().id);
      const error = await failure(
        client.sendMessage(page.token, { recipient: { id: psid }, message: { text: 'x' } }),
      );
      expect(error).toMatchObject({ httpStatus: 400, code: 100, subcode: 2018001, kind: 'recipient' });
      expect(graph.sentMessages()).toEqual([]);
    });

    it('validates the body like Facebook', async () => {
      const page = graph.addPage();
      const psid = graph.addPsid(page.id);
      const bad = [
        { recipient: { id: psid } },
        { recipient: { id: psid }, message: { text: 'x' }, sender_action: 'typing_on' },
        { recipient: { id: psid }, message: { text: 'x'.repeat(2001) } },
        { recipient: { id: psid }, message: { text: 'x' }, messaging_type: 'MESSAGE_TAG' },
      ];
      for (const body of bad) {
        await expect(failure(client.sendMessage(page.token, body as never))).resolves.toMatchObject({
          code: 100,
          kind: 'permanent',
        });
      }
    });

    it('needs pages_messaging', async () => {
      const page = graph.addPage({ scopes: ['pages_show_list'] });
      const psid = graph.addPsid(page.id);
      await expect(
        failure(client.sendMessage(page.token, { recipient: { id: psid }, message: { text: 'x' } })),
      ).resolves.toMatchObject({ code: 230, kind: 'auth' });
    });

    it('accepts a form-encoded body with JSON values', async () => {
      const page = graph.addPage();
      const psid = graph.addPsid(page.id);
      const form = new URLSearchParams({
        recipient: JSON.stringify({ id: psid }),
        message: JSON.stringify({ text: 'hi' }),
      });
      const res = await raw(
        `/v23.0/me/messages?access_token=${page.token}&appsecret_proof=${proof(page.token)}`,
        { method: 'POST', body: form },
      );
      expect(res).toMatchObject({ status: 200, body: { recipient_id: psid } });
    });
  });

  describe('messenger profile and account linking', () => {
    it('sets, reads and deletes profile fields', async () => {
      const page = graph.addPage();
      await client.setMessengerProfile(page.token, {
        get_started: { payload: 'GO' },
        greeting: [{ locale: 'default', text: 'Hi' }],
      });
      await expect(client.getMessengerProfile(page.token, ['get_started'])).resolves.toEqual({
        get_started: { payload: 'GO' },
      });
      await client.deleteMessengerProfile(page.token, ['get_started']);
      await expect(client.getMessengerProfile(page.token, ['get_started'])).resolves.toEqual({});
      expect(graph.messengerProfile(page.id)).toEqual({ greeting: [{ locale: 'default', text: 'Hi' }] });
    });

    it("resolves a linking token only with its own Page's token, and unlinks", async () => {
      const page = graph.addPage();
      const psid = graph.addPsid(page.id);
      const alt = graph.createAccountLinkingToken(page.id, psid);
      await expect(client.getPsidForAccountLinkingToken(page.token, alt)).resolves.toEqual({ psid });
      await expect(
        failure(client.getPsidForAccountLinkingToken(graph.addPage().token, alt)),
      ).resolves.toMatchObject({ code: 100 });
      await client.unlinkAccount(page.token, psid);
      expect(graph.unlinkedPsids(page.id)).toEqual([psid]);
      expect(JSON.stringify(graph.calls)).not.toContain(alt);
    });
  });

  describe('faults, latency and the call record', () => {
    it('fails the next N matching calls with the programmed error and Retry-After', async () => {
      const page = graph.addPage();
      const psid = graph.addPsid(page.id);
      graph.failNext({
        method: 'POST',
        path: '/me/messages',
        times: 2,
        status: 429,
        error: { code: 613 },
        retryAfter: 7,
      });
      const send = () => client.sendMessage(page.token, { recipient: { id: psid }, message: { text: 'x' } });
      await expect(client.getMe(page.token)).resolves.toBeDefined();
      for (let i = 0; i < 2; i++) {
        await expect(failure(send())).resolves.toMatchObject({
          httpStatus: 429,
          code: 613,
          kind: 'throttled',
          retryAfterSeconds: 7,
        });
      }
      await expect(send()).resolves.toMatchObject({ recipientId: psid });
      expect(graph.calls.map((c) => c.status)).toEqual([200, 429, 429, 200]);
    });

    it('matches a RegExp path and a subcode', async () => {
      const page = graph.addPage();
      graph.failNext({
        path: /subscribed_apps$/,
        status: 400,
        error: { code: 10, error_subcode: 2018278, message: 'outside window' },
      });
      await expect(failure(client.getSubscribedApps(page.id, page.token))).resolves.toMatchObject({
        code: 10,
        subcode: 2018278,
        kind: 'recipient',
        message: 'outside window',
      });
    });

    it('can hang up (a network failure)', async () => {
      const page = graph.addPage();
      graph.failNext({ path: '/me', hangup: true });
      await expect(failure(client.getMe(page.token))).resolves.toMatchObject({
        httpStatus: undefined,
        kind: 'transient',
      });
      expect(graph.calls[0].status).toBe(0);
    });

    it('adds latency, which a client timeout turns into a transient error', async () => {
      const page = graph.addPage();
      graph.setLatency({ path: '/me', ms: 1_000 });
      const error = await failure(clientFor({ graphTimeoutMs: 100 }).getMe(page.token));
      expect(error).toMatchObject({ httpStatus: undefined, kind: 'transient' });
      graph.setLatency({ path: '/me', ms: 0 });
      await expect(client.getMe(page.token)).resolves.toMatchObject({ id: page.id });
    });

    it('records every call with tokens masked', async () => {
      const page = graph.addPage();
      const psid = graph.addPsid(page.id);
      await client.sendMessage(page.token, { recipient: { id: psid }, message: { text: 'x' } });
      expect(graph.calls[0]).toMatchObject({
        method: 'POST',
        path: '/v23.0/me/messages',
        query: { access_token: '[masked]', appsecret_proof: '[masked]' },
        body: { recipient: { id: psid }, message: { text: 'x' } },
        status: 200,
        tokenType: 'PAGE',
        pageId: page.id,
      });
      expect(JSON.stringify(graph.calls)).not.toContain(page.token);
    });

    it('reset forgets Pages, calls and faults', async () => {
      const page = graph.addPage();
      graph.failNext({ path: '/me', times: 5, status: 500 });
      graph.reset();
      expect(graph.calls).toHaveLength(0);
      await expect(failure(client.getMe(page.token))).resolves.toMatchObject({ code: 190 });
    });
  });
});
