import { createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FakeGraphError, GraphErrors } from './fake-graph.errors';
import { type FakeGraphFault, type FakeGraphMatch, FaultBook, faultError } from './fake-graph.faults';
import { findRoute, type RouteAuth } from './fake-graph.routes';
import { FakeGraphState, type FakeSentMessage, type FakeToken, type FakeTokenType } from './fake-graph.state';

export type { FakeSentMessage } from './fake-graph.state';
export type { FakeGraphFault, FakeGraphMatch } from './fake-graph.faults';

export interface FakeGraphOptions {
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  appId?: string;
  appSecret?: string;
  appName?: string;
  /** Like an app with "Require App Secret" on (the default): a call without appsecret_proof is refused. */
  requireAppsecretProof?: boolean;
  /** Base URL for absolute links (paging.next) when the fake sits behind a proxy. */
  publicBaseUrl?: string;
  logger?: boolean;
}

export interface FakeGraphCall {
  method: string;
  /** The full path, with the version prefix. */
  path: string;
  /** Query parameters, with tokens, proofs and secrets masked. */
  query: Record<string, string>;
  body: unknown;
  /** 0 when the fake hung up. */
  status: number;
  at: Date;
  /** Who the access token belonged to, when it was a known one. */
  tokenType?: FakeTokenType;
  pageId?: string;
  userId?: string;
}

const MASKED = '[masked]';
const SECRET_PARAMS = new Set([
  'access_token',
  'appsecret_proof',
  'input_token',
  'fb_exchange_token',
  'client_secret',
  'account_linking_token',
]);
const VERSIONED = /^\/(v\d+\.\d+)(\/.*)?$/;

const mask = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, SECRET_PARAMS.has(k) ? MASKED : v]));

/**
 * A stand-in for Facebook's Graph API: a real HTTP server with in-memory apps, Pages, tokens and
 * PSIDs, which checks tokens and appsecret_proof the way Facebook does and answers in Facebook's
 * error shape. Tests program faults and latency; the local sandbox runs it as its "Facebook".
 * No test-framework imports here: the dev server uses it too.
 */
export class FakeGraph {
  readonly appId: string;
  readonly appSecret: string;
  private readonly state: FakeGraphState;
  private readonly recorded: FakeGraphCall[] = [];
  private readonly faults = new FaultBook();
  private readonly pendingDelays = new Set<() => void>();
  private url = '';

  private constructor(
    private readonly server: FastifyInstance,
    private readonly options: FakeGraphOptions,
  ) {
    this.appId = options.appId ?? '100000000000001';
    this.appSecret = options.appSecret ?? 'fake-graph-app-secret';
    this.state = new FakeGraphState(this.appId, this.appSecret, options.appName ?? 'messenger-hub (fake)');
  }

  static async start(options: FakeGraphOptions = {}): Promise<FakeGraph> {
    const server = Fastify({ logger: options.logger ?? false, forceCloseConnections: true });
    const graph = new FakeGraph(server, options);
    server.removeAllContentTypeParsers();
    server.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
      try {
        done(null, parseBody(body as string, req.headers['content-type']));
      } catch {
        done(GraphErrors.invalidParameter('Invalid JSON in the request body'), undefined);
      }
    });
    server.setErrorHandler((error, _req, reply) => {
      const fb = error instanceof FakeGraphError ? error : GraphErrors.unexpected();
      void reply.code(fb.status).headers(fb.headers).send(fb.body());
    });
    server.route({
      method: ['GET', 'POST', 'DELETE'],
      url: '/*',
      handler: (req, reply) => graph.handle(req, reply),
    });
    const address = await server.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
    graph.url = (options.publicBaseUrl ?? address).replace(/\/+$/, '');
    return graph;
  }

  get baseUrl(): string {
    return this.url;
  }

  /** Every call received, oldest first, tokens masked. */
  get calls(): readonly FakeGraphCall[] {
    return this.recorded;
  }

  /** A Page with a valid, never-expiring Page token (pages_messaging and pages_manage_metadata by default). */
  addPage(input: { id?: string; name?: string; scopes?: string[] } = {}): {
    id: string;
    name: string;
    token: string;
  } {
    if (input.id && this.state.pages.has(input.id)) throw new Error(`FakeGraph: Page ${input.id} exists`);
    const page = this.state.addPage(input);
    return { id: page.id, name: page.name, token: page.token };
  }

  /** A user with a short-lived USER token whose /me/accounts lists `pageIds`. */
  addUser(input: { pageIds?: string[]; name?: string; scopes?: string[] } = {}): {
    id: string;
    token: string;
  } {
    const { user, token } = this.state.addUser(input);
    return { id: user.id, token };
  }

  addPsid(pageId: string): string {
    return this.state.addPsid(pageId);
  }

  /** The Page's current token (a new one after revokePageToken, as reconnecting would give). */
  pageToken(pageId: string): string {
    return this.state.requirePage(pageId).token;
  }

  revokePageToken(pageId: string): void {
    this.state.revokePageToken(pageId);
  }

  revokeToken(token: string): void {
    this.state.revokeToken(token);
  }

  /** As if Facebook had unsubscribed the app from the Page (e.g. after webhook failures). */
  dropSubscription(pageId: string): void {
    this.state.dropSubscription(pageId);
  }

  subscribedFields(pageId: string): string[] | undefined {
    return this.state.requirePage(pageId).subscriptions.get(this.appId);
  }

  messengerProfile(pageId: string): Record<string, unknown> {
    return { ...this.state.requirePage(pageId).profile };
  }

  unlinkedPsids(pageId: string): string[] {
    return [...this.state.requirePage(pageId).unlinkedPsids];
  }

  createAccountLinkingToken(pageId: string, psid: string): string {
    return this.state.createAccountLinkingToken(pageId, psid);
  }

  /** Accepted Send API bodies, oldest first, with the message_id the fake answered. */
  sentMessages(pageId?: string): FakeSentMessage[] {
    return this.state.sent.filter((m) => pageId === undefined || m.pageId === pageId);
  }

  /** The next `times` matching calls fail (faults are used in the order they were added). */
  failNext(fault: FakeGraphFault): void {
    this.faults.add(fault);
  }

  /** Adds `ms` before answering matching calls until reset (ms 0 removes it). */
  setLatency(rule: FakeGraphMatch & { ms: number }): void {
    this.faults.setLatency(rule);
  }

  /** Forgets every Page, user, token, call, fault and latency (the app stays). */
  reset(): void {
    this.state.clear();
    this.recorded.length = 0;
    this.faults.clear();
  }

  async stop(): Promise<void> {
    for (const release of this.pendingDelays) release();
    await this.server.close();
  }

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const url = new URL(req.url, 'http://fake');
    const [, version, rest] = VERSIONED.exec(url.pathname) ?? [undefined, undefined, url.pathname];
    const path = rest ?? '/';
    const query = Object.fromEntries(url.searchParams);
    const body = isRecord(req.body) ? req.body : {};
    const params: Record<string, unknown> = { ...query, ...body };
    const call: FakeGraphCall = {
      method: req.method,
      path: url.pathname,
      query: mask(query) as Record<string, string>,
      body: req.body === undefined ? undefined : isRecord(req.body) ? mask(req.body) : req.body,
      status: 0,
      at: new Date(),
    };
    this.recorded.push(call);
    const rawToken = str(params.access_token) ?? bearer(req.headers.authorization);
    const known = rawToken ? this.state.lookupToken(rawToken) : undefined;
    Object.assign(call, { tokenType: known?.type, pageId: known?.pageId, userId: known?.userId });

    const latency = this.faults.latencyFor(req.method, url.pathname, path);
    if (latency > 0) await this.delay(latency);

    const fault = this.faults.take(req.method, url.pathname, path);
    try {
      if (fault?.hangup) {
        reply.hijack();
        req.raw.socket.destroy();
        return;
      }
      if (fault) throw faultError(fault);
      const found = findRoute(req.method, path);
      if (!found) throw GraphErrors.unknownPath(path);
      const token = this.authenticate(found.route.auth, rawToken, params);
      const answer = found.route.handle(
        { method: req.method, path, version, params, token, state: this.state, baseUrl: this.url },
        found.match,
      );
      call.status = 200;
      return answer;
    } catch (error) {
      const fb = error instanceof FakeGraphError ? error : GraphErrors.unexpected();
      call.status = fb.status;
      return reply.code(fb.status).headers(fb.headers).send(fb.body());
    }
  }

  /** Facebook's order: a token at all, a known token, the proof, then revoked/expired, then its type. */
  private authenticate(
    auth: RouteAuth,
    raw: string | undefined,
    params: Record<string, unknown>,
  ): FakeToken | undefined {
    if (auth === 'none') return undefined;
    if (!raw) throw GraphErrors.noToken();
    const token = this.state.lookupToken(raw);
    if (!token) throw GraphErrors.unknownToken();
    const proof = str(params.appsecret_proof);
    const expected = createHmac('sha256', this.appSecret).update(raw).digest('hex');
    if (proof === undefined ? this.options.requireAppsecretProof !== false : proof !== expected) {
      throw GraphErrors.badProof();
    }
    if (token.revoked) throw GraphErrors.revokedToken();
    if (this.state.isExpired(token)) throw GraphErrors.expiredToken();
    if (auth === 'page' && token.type !== 'PAGE') throw GraphErrors.pageTokenRequired();
    if (auth === 'user' && token.type !== 'USER') {
      throw GraphErrors.invalidParameter(
        `Tried accessing nonexisting field (accounts) on node type (${token.type === 'PAGE' ? 'Page' : 'Application'})`,
      );
    }
    return token;
  }

  /** A delay that stop() cuts short, so a slow answer never holds the process open. */
  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.pendingDelays.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.pendingDelays.add(release);
    });
  }
}

/** JSON, or a form whose JSON-looking values (recipient={"id":..}) are decoded, as Graph accepts both. */
function parseBody(text: string, contentType: string | undefined): unknown {
  if (!text.trim()) return undefined;
  if (!contentType?.includes('application/x-www-form-urlencoded')) return JSON.parse(text) as unknown;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    out[key] = /^[[{]/.test(value) ? (JSON.parse(value) as unknown) : value;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function bearer(header: string | undefined): string | undefined {
  const m = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}
