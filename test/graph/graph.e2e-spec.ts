import { GraphApiClient } from '../../src/graph/graph-api.client';
import { GraphApiError } from '../../src/graph/graph-api.error';
import { FakeGraph } from '../../src/sandbox/fake-graph/fake-graph.server';
import { fakeGraphEnv } from '../support/fake-graph';
import { startTestApp, type TestApp } from '../support/test-app';

/** The Graph client as the app wires it (config from env, GraphModule), against the fake Graph API. */
describe('Graph API client (e2e)', () => {
  let graph: FakeGraph;
  let t: TestApp;
  let client: GraphApiClient;
  const tokens: string[] = [];

  const failure = async (promise: Promise<unknown>): Promise<GraphApiError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GraphApiError);
    return error as GraphApiError;
  };

  beforeAll(async () => {
    graph = await FakeGraph.start();
    // debug level so every Graph call is logged, and the no-token check below sees them all.
    t = await startTestApp({ ...fakeGraphEnv(graph), LOG_LEVEL: 'debug' });
    client = t.app.get(GraphApiClient);
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  it('reads /me and debugs a Page token', async () => {
    const page = graph.addPage({ name: 'Corner Shop' });
    tokens.push(page.token);
    await expect(client.getMe(page.token)).resolves.toEqual({ id: page.id, name: 'Corner Shop' });
    await expect(client.debugToken(page.token)).resolves.toMatchObject({
      isValid: true,
      type: 'PAGE',
      appId: graph.appId,
      profileId: page.id,
      expiresAt: null,
    });
  });

  it('exchanges a user token and lists 3 pages of /me/accounts', async () => {
    // The client asks for 100 per page: 250 Pages take three requests.
    const pages = Array.from({ length: 250 }, () => graph.addPage());
    const user = graph.addUser({ pageIds: pages.map((p) => p.id) });
    const long = await client.exchangeForLongLivedUserToken(user.token);
    tokens.push(user.token, long.accessToken);
    const before = graph.calls.length;

    const accounts = await client.listPageAccounts(long.accessToken);

    expect(accounts).toHaveLength(250);
    expect(accounts.map((a) => a.id)).toEqual(pages.map((p) => p.id));
    expect(accounts[249]).toEqual({
      id: pages[249].id,
      name: pages[249].name,
      accessToken: pages[249].token,
      tasks: expect.arrayContaining(['MESSAGING']),
    });
    const pagingCalls = graph.calls.slice(before);
    expect(pagingCalls.map((c) => [c.path, c.status])).toEqual([
      ['/v23.0/me/accounts', 200],
      ['/v23.0/me/accounts', 200],
      ['/v23.0/me/accounts', 200],
    ]);
    expect(pagingCalls[2].query.after).toBeDefined();
  });

  it('subscribes the app, sends, and manages the profile and account links', async () => {
    const page = graph.addPage();
    const psid = graph.addPsid(page.id);
    tokens.push(page.token);

    await client.subscribeApp(page.id, page.token, ['messages', 'messaging_postbacks']);
    await expect(client.getSubscribedApps(page.id, page.token)).resolves.toEqual([
      { id: graph.appId, name: expect.any(String), subscribedFields: ['messages', 'messaging_postbacks'] },
    ]);

    const sent = await client.sendMessage(page.token, {
      recipient: { id: psid },
      messaging_type: 'RESPONSE',
      message: { text: 'Hi' },
    });
    expect(graph.sentMessages(page.id)).toEqual([
      expect.objectContaining({ message: { text: 'Hi' }, message_id: sent.messageId }),
    ]);

    await client.setMessengerProfile(page.token, { get_started: { payload: 'START' } });
    await expect(client.getMessengerProfile(page.token, ['get_started'])).resolves.toEqual({
      get_started: { payload: 'START' },
    });
    await client.deleteMessengerProfile(page.token, ['get_started']);
    expect(graph.messengerProfile(page.id)).toEqual({});

    const alt = graph.createAccountLinkingToken(page.id, psid);
    await expect(client.getPsidForAccountLinkingToken(page.token, alt)).resolves.toEqual({ psid });
    await client.unlinkAccount(page.token, psid);
    expect(graph.unlinkedPsids(page.id)).toEqual([psid]);

    await client.unsubscribeApp(page.id, page.token);
    await expect(client.getSubscribedApps(page.id, page.token)).resolves.toEqual([]);
  });

  it('turns a revoked Page token into kind auth', async () => {
    const page = graph.addPage();
    const psid = graph.addPsid(page.id);
    tokens.push(page.token);
    graph.revokePageToken(page.id);
    const error = await failure(
      client.sendMessage(page.token, { recipient: { id: psid }, message: { text: 'x' } }),
    );
    expect(error).toMatchObject({ kind: 'auth', code: 190, httpStatus: 401 });
    await expect(client.debugToken(page.token)).resolves.toMatchObject({ isValid: false });
  });

  it('turns a programmed outage into kind transient, and throttling into throttled', async () => {
    const page = graph.addPage();
    tokens.push(page.token);
    graph.failNext({ path: '/me', hangup: true });
    await expect(failure(client.getMe(page.token))).resolves.toMatchObject({
      kind: 'transient',
      httpStatus: undefined,
    });
    graph.failNext({ path: '/me', status: 400, error: { code: 32 }, retryAfter: 60 });
    await expect(failure(client.getMe(page.token))).resolves.toMatchObject({
      kind: 'throttled',
      retryAfterSeconds: 60,
    });
  });

  it('never logged a token or proof', () => {
    const graphLines = t.logs.filter((l) => l.includes('Graph '));
    expect(graphLines.length).toBeGreaterThan(10);
    const all = t.logs.join('\n');
    for (const token of tokens) expect(all).not.toContain(token);
    expect(all).not.toContain(graph.appSecret);
    expect(all).not.toMatch(/appsecret_proof=|access_token=[^[]/);
  });
});
