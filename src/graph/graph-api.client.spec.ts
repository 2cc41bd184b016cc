import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type LoggerService } from '@nestjs/common';
import type { MessengerConfig } from '../config/messenger.config';
import { CLASSIFICATION_ROWS } from './classification-rows.spec-fixture';
import { GraphApiClient } from './graph-api.client';
import { GraphApiError } from './graph-api.error';

const APP_ID = '1234567890';
const APP_SECRET = 'unit-test-app-secret-7f3a';
const TOKEN = 'EAAunitTESTpageTOKEN0123456789abcdef';
const USER_TOKEN = 'EAAunitTESTuserTOKEN9876543210fedcba';
const proofOf = (token: string) => createHmac('sha256', APP_SECRET).update(token).digest('hex');

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}
type Handler = (req: Seen, res: ServerResponse) => void;

/** Everything the client logged, at every level, before any redaction by the app's logger. */
class CaptureLogger implements LoggerService {
  readonly lines: string[] = [];
  private push = (...args: unknown[]) => this.lines.push(JSON.stringify(args));
  log = this.push;
  error = this.push;
  warn = this.push;
  debug = this.push;
  verbose = this.push;
  fatal = this.push;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
const fbError = (code: number | undefined, subcode?: number, message = 'Facebook says no') => ({
  error: { message, type: 'OAuthException', code, error_subcode: subcode, fbtrace_id: 'TRACE123' },
});

describe(GraphApiClient.name, () => {
  const logs = new CaptureLogger();
  let server: Server;
  let baseUrl: string;
  let handler: Handler;
  const seen: Seen[] = [];
  const clients: GraphApiClient[] = [];

  const makeClient = (overrides: Partial<MessengerConfig> = {}) => {
    const client = new GraphApiClient({
      appId: APP_ID,
      appSecret: APP_SECRET,
      verifyToken: 'verify',
      graphBaseUrl: baseUrl,
      graphVersion: 'v23.0',
      graphTimeoutMs: 300,
      ...overrides,
    });
    clients.push(client);
    return client;
  };
  let client: GraphApiClient;

  beforeAll(async () => {
    Logger.overrideLogger(logs);
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const raw = Buffer.concat(chunks).toString('utf8');
        const s: Seen = {
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          body: raw ? JSON.parse(raw) : undefined,
        };
        seen.push(s);
        handler(s, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = makeClient();
  });
  beforeEach(() => {
    seen.length = 0;
    handler = (_req, res) => json(res, 200, { id: '1', name: 'ok' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.onApplicationShutdown()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const failure = async (promise: Promise<unknown>): Promise<GraphApiError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GraphApiError);
    return error as GraphApiError;
  };

  describe('error classification over HTTP', () => {
    const httpRows = CLASSIFICATION_ROWS.filter((r) => r.fields.httpStatus !== undefined);

    it.each(httpRows)('turns $name into kind $kind', async ({ fields, kind }) => {
      handler = (_req, res) =>
        fields.code === undefined
          ? res.writeHead(fields.httpStatus!, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>')
          : json(res, fields.httpStatus!, fbError(fields.code, fields.subcode));
      const error = await failure(
        client.sendMessage(TOKEN, { recipient: { id: '42' }, message: { text: 'hi' } }),
      );
      expect(error).toMatchObject({
        kind,
        httpStatus: fields.httpStatus,
        code: fields.code,
        subcode: fields.subcode,
      });
      if (fields.code !== undefined)
        expect(error).toMatchObject({ type: 'OAuthException', fbtraceId: 'TRACE123' });
    });

    it('treats an error object inside a 200 answer as a failure', async () => {
      handler = (_req, res) => json(res, 200, fbError(100, undefined, 'Invalid parameter'));
      const error = await failure(client.getMe(TOKEN));
      expect(error).toMatchObject({
        kind: 'permanent',
        httpStatus: 200,
        code: 100,
        message: 'Invalid parameter',
      });
    });

    it('honours Retry-After in seconds', async () => {
      handler = (_req, res) => json(res, 429, fbError(613), { 'retry-after': '30' });
      const error = await failure(client.getMe(TOKEN));
      expect(error).toMatchObject({ kind: 'throttled', httpStatus: 429, retryAfterSeconds: 30 });
    });

    it('honours Retry-After as an HTTP date', async () => {
      const at = new Date(Date.now() + 120_000).toUTCString();
      handler = (_req, res) => json(res, 503, { error: { message: 'down', code: 2 } }, { 'retry-after': at });
      const error = await failure(client.getMe(TOKEN));
      expect(error.kind).toBe('transient');
      expect(error.retryAfterSeconds).toBeGreaterThan(100);
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(120);
    });

    it('turns a refused connection into a transient error with no HTTP status', async () => {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const port = (probe.address() as AddressInfo).port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const error = await failure(makeClient({ graphBaseUrl: `http://127.0.0.1:${port}` }).getMe(TOKEN));
      expect(error.httpStatus).toBeUndefined();
      expect(error.kind).toBe('transient');
      expect(error.message).toMatch(/unreachable/);
    });

    it('turns a dropped connection into a transient error with no HTTP status', async () => {
      handler = (_req, res) => res.socket?.destroy();
      const error = await failure(client.getMe(TOKEN));
      expect(error).toMatchObject({ kind: 'transient', httpStatus: undefined });
    });

    it('turns a timeout into a transient error with no HTTP status', async () => {
      handler = () => undefined; // never answers; afterAll closes the connection
      const error = await failure(client.getMe(TOKEN));
      expect(error).toMatchObject({ kind: 'transient', httpStatus: undefined });
      expect(error.message).toMatch(/timed out after 300ms/);
    });
  });

  describe('appsecret_proof', () => {
    it('sends the token with its HMAC-SHA256 proof', async () => {
      await client.getMe(TOKEN);
      expect(seen[0].query.get('access_token')).toBe(TOKEN);
      expect(seen[0].query.get('appsecret_proof')).toBe(proofOf(TOKEN));
      expect(seen[0].query.get('appsecret_proof')).toMatch(/^[0-9a-f]{64}$/);
    });

    it('uses the app token, with its proof, for debug_token', async () => {
      handler = (_req, res) =>
        json(res, 200, {
          data: {
            is_valid: true,
            type: 'PAGE',
            app_id: APP_ID,
            profile_id: '77',
            scopes: ['pages_messaging'],
            expires_at: 0,
          },
        });
      const info = await client.debugToken(TOKEN);
      const appToken = `${APP_ID}|${APP_SECRET}`;
      expect(seen[0]).toMatchObject({ method: 'GET', path: '/v23.0/debug_token' });
      expect(seen[0].query.get('input_token')).toBe(TOKEN);
      expect(seen[0].query.get('access_token')).toBe(appToken);
      expect(seen[0].query.get('appsecret_proof')).toBe(proofOf(appToken));
      expect(info).toEqual({
        isValid: true,
        type: 'PAGE',
        appId: APP_ID,
        profileId: '77',
        userId: undefined,
        scopes: ['pages_messaging'],
        expiresAt: null,
        errorMessage: undefined,
      });
    });

    it('re-adds the proof on every page of /me/accounts', async () => {
      handler = (req, res) => {
        const after = Number(req.query.get('after') ?? 0);
        const next = new URL(`${baseUrl}/v23.0/me/accounts`);
        next.searchParams.set('access_token', USER_TOKEN); // Facebook puts the token in next
        next.searchParams.set('limit', '1');
        next.searchParams.set('after', String(after + 1));
        json(res, 200, {
          data: [
            {
              id: `${after}`,
              name: `Page ${after}`,
              access_token: `page-token-${after}`,
              tasks: ['MESSAGING'],
            },
          ],
          paging: after < 2 ? { next: next.toString() } : {},
        });
      };
      const accounts = await client.listPageAccounts(USER_TOKEN);
      expect(accounts.map((a) => a.id)).toEqual(['0', '1', '2']);
      expect(accounts[2]).toEqual({
        id: '2',
        name: 'Page 2',
        accessToken: 'page-token-2',
        tasks: ['MESSAGING'],
      });
      expect(seen).toHaveLength(3);
      for (const s of seen) {
        expect(s.query.get('access_token')).toBe(USER_TOKEN);
        expect(s.query.get('appsecret_proof')).toBe(proofOf(USER_TOKEN));
        expect(s.query.getAll('access_token')).toHaveLength(1);
      }
      expect(seen[2].query.get('after')).toBe('2');
    });

    it('refuses to follow paging.next to another host', async () => {
      handler = (_req, res) =>
        json(res, 200, {
          data: [{ id: '1', name: 'P', access_token: 'pt', tasks: [] }],
          paging: { next: `http://evil.example/v23.0/me/accounts?access_token=${USER_TOKEN}` },
        });
      const error = await failure(client.listPageAccounts(USER_TOKEN));
      expect(error.kind).toBe('permanent');
      expect(error.message).toMatch(/outside the configured Graph base URL/);
      expect(error.message).not.toContain(USER_TOKEN);
      expect(seen).toHaveLength(1);
    });
  });

  describe('requests', () => {
    it('exchanges a short-lived token with the client secret', async () => {
      handler = (_req, res) =>
        json(res, 200, { access_token: 'long-lived', token_type: 'bearer', expires_in: 5184000 });
      await expect(client.exchangeForLongLivedUserToken(USER_TOKEN)).resolves.toEqual({
        accessToken: 'long-lived',
        expiresIn: 5184000,
      });
      expect(seen[0].path).toBe('/v23.0/oauth/access_token');
      expect(Object.fromEntries(seen[0].query)).toEqual({
        grant_type: 'fb_exchange_token',
        client_id: APP_ID,
        client_secret: APP_SECRET,
        fb_exchange_token: USER_TOKEN,
      });
    });

    it('sends messages to /me/messages with the Page token', async () => {
      handler = (_req, res) => json(res, 200, { recipient_id: '42', message_id: 'm_1' });
      const body = { recipient: { id: '42' }, messaging_type: 'RESPONSE' as const, message: { text: 'hi' } };
      await expect(client.sendMessage(TOKEN, body)).resolves.toEqual({ recipientId: '42', messageId: 'm_1' });
      expect(seen[0]).toMatchObject({ method: 'POST', path: '/v23.0/me/messages', body });
    });

    it('manages subscribed_apps', async () => {
      handler = (req, res) =>
        req.method === 'GET'
          ? json(res, 200, { data: [{ id: APP_ID, name: 'App', subscribed_fields: ['messages'] }] })
          : json(res, 200, { success: true });
      await client.subscribeApp('77', TOKEN, ['messages', 'messaging_postbacks']);
      await expect(client.getSubscribedApps('77', TOKEN)).resolves.toEqual([
        { id: APP_ID, name: 'App', subscribedFields: ['messages'] },
      ]);
      await client.unsubscribeApp('77', TOKEN);
      expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
        'POST /v23.0/77/subscribed_apps',
        'GET /v23.0/77/subscribed_apps',
        'DELETE /v23.0/77/subscribed_apps',
      ]);
      expect(seen[0].body).toEqual({ subscribed_fields: 'messages,messaging_postbacks' });
    });

    it('reads, sets and deletes the messenger profile', async () => {
      handler = (req, res) =>
        req.method === 'GET'
          ? json(res, 200, { data: [{ greeting: [{ locale: 'default', text: 'Hi' }] }] })
          : json(res, 200, { result: 'success' });
      await client.setMessengerProfile(TOKEN, { get_started: { payload: 'GO' } });
      await expect(client.getMessengerProfile(TOKEN, ['greeting'])).resolves.toEqual({
        greeting: [{ locale: 'default', text: 'Hi' }],
      });
      await client.deleteMessengerProfile(TOKEN, ['greeting']);
      expect(seen[0]).toMatchObject({ method: 'POST', body: { get_started: { payload: 'GO' } } });
      expect(seen[1].query.get('fields')).toBe('greeting');
      expect(seen[2]).toMatchObject({
        method: 'DELETE',
        path: '/v23.0/me/messenger_profile',
        body: { fields: ['greeting'] },
      });
    });

    it('resolves the PSID behind an account linking token and unlinks', async () => {
      handler = (req, res) =>
        req.method === 'GET'
          ? json(res, 200, { id: '77', recipient: '555' })
          : json(res, 200, { success: true });
      await expect(client.getPsidForAccountLinkingToken(TOKEN, 'ALT-abcdef')).resolves.toEqual({
        psid: '555',
      });
      await client.unlinkAccount(TOKEN, '555');
      expect(seen[0].query.get('fields')).toBe('recipient');
      expect(seen[0].query.get('account_linking_token')).toBe('ALT-abcdef');
      expect(seen[1]).toMatchObject({
        method: 'POST',
        path: '/v23.0/me/unlink_accounts',
        body: { psid: '555' },
      });
    });

    it('keeps a path prefix of the base URL', async () => {
      await makeClient({ graphBaseUrl: `${baseUrl}/graph` }).getMe(TOKEN);
      expect(seen[0].path).toBe('/graph/v23.0/me');
    });
  });

  describe('secrecy', () => {
    const secrets = [
      TOKEN,
      proofOf(TOKEN),
      APP_SECRET,
      'ALT-secret-linking',
      proofOf(`${APP_ID}|${APP_SECRET}`),
    ];
    const everything = (e: GraphApiError) =>
      [
        e.message,
        e.stack ?? '',
        String(e),
        JSON.stringify(e),
        JSON.stringify(
          Object.getOwnPropertyNames(e).map((k) => (e as unknown as Record<string, unknown>)[k]),
        ),
      ].join('\n');

    it('never puts a token or proof into an error, even when Facebook echoes it', async () => {
      handler = (req, res) =>
        json(
          res,
          400,
          fbError(
            190,
            460,
            `Bad token ${req.query.get('access_token')} (access_token=${req.query.get('access_token')}&appsecret_proof=${req.query.get('appsecret_proof')}) ${req.query.get('account_linking_token')}`,
          ),
        );
      const error = await failure(client.getPsidForAccountLinkingToken(TOKEN, 'ALT-secret-linking'));
      expect(error.kind).toBe('auth');
      expect(error.message).toContain('[REDACTED]');
      for (const secret of secrets) expect(everything(error)).not.toContain(secret);
    });

    it('never puts the app token or input token into a debug_token error', async () => {
      handler = (req, res) =>
        json(
          res,
          400,
          fbError(100, undefined, `bad ${req.query.get('access_token')} for ${req.query.get('input_token')}`),
        );
      const error = await failure(client.debugToken(TOKEN));
      for (const secret of [...secrets, `${APP_ID}|${APP_SECRET}`])
        expect(everything(error)).not.toContain(secret);
    });

    it('never puts a token into a network error', async () => {
      handler = (_req, res) => res.socket?.destroy();
      const error = await failure(
        client.sendMessage(TOKEN, { recipient: { id: '1' }, sender_action: 'typing_on' }),
      );
      for (const secret of secrets) expect(everything(error)).not.toContain(secret);
    });

    it('logs method, path, status and trace id but no token, proof or query', async () => {
      logs.lines.length = 0;
      handler = (_req, res) => json(res, 400, fbError(190, undefined, 'expired'));
      await failure(client.getMe(TOKEN));
      handler = (_req, res) => json(res, 200, { id: '1' });
      await client.getMe(TOKEN);
      await client.debugToken(USER_TOKEN);
      await client.exchangeForLongLivedUserToken(USER_TOKEN);

      expect(logs.lines.length).toBeGreaterThanOrEqual(4);
      expect(logs.lines[0]).toMatch(/GET \/v23\.0\/me -> 400 in \d+ms \(auth code=190\) fbtrace_id=TRACE123/);
      const all = logs.lines.join('\n');
      for (const secret of [...secrets, USER_TOKEN, `${APP_ID}|${APP_SECRET}`])
        expect(all).not.toContain(secret);
      expect(all).not.toMatch(/access_token=|appsecret_proof|\?/);
    });
  });
});
