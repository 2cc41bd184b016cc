import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header';
import { messengerConfig, type MessengerConfig } from '../config/messenger.config';
import { REDACTED, redactText } from '../logging/redact';
import { GraphApiError } from './graph-api.error';
import {
  type AccountsPage,
  type DebugTokenData,
  type FacebookErrorBody,
  parseJson,
  parseRetryAfter,
  toInt,
} from './graph-api.response';
import type {
  PageAccount,
  SendApiRequest,
  SendApiResult,
  SubscribedApp,
  TokenDebugInfo,
} from './graph-api.types';


type Method = 'GET' | 'POST' | 'DELETE';

interface Call {
  method: Method;
  /** Absolute path on the Graph host, without query. */
  path: string;
  query?: Record<string, string | undefined>;
  /** Adds access_token and appsecret_proof. */
  token?: string;
  body?: unknown;
  /** Other secret values in this call (input tokens, linking tokens) that must never surface. */
  secrets?: string[];
}

/** Pages per /me/accounts walk; a loop guard, far above any real user's Page count. */
const MAX_ACCOUNT_PAGES = 200;

/**
 * The one class that talks to Facebook's Graph API. It knows the URLs and the version, signs every
 * token with appsecret_proof, and turns every failure into a GraphApiError. Tokens travel in the
 * query string (as Facebook documents) and never reach a log line or an error.
 */
@Injectable()
export class GraphApiClient implements OnApplicationShutdown {
  private readonly logger = new Logger(GraphApiClient.name);
  private readonly pool: Pool;
  private readonly origin: string;
  /** Path prefix of GRAPH_API_BASE_URL (usually empty). */
  private readonly basePath: string;

  constructor(@Inject(messengerConfig.KEY) private readonly config: MessengerConfig) {
    const base = new URL(config.graphBaseUrl);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.pool = new Pool(this.origin, {
      connections: 64,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: config.graphTimeoutMs,
      bodyTimeout: config.graphTimeoutMs,
      connect: { timeout: config.graphTimeoutMs },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  async getMe(accessToken: string): Promise<{ id: string; name?: string }> {
    const me = await this.request<{ id: string; name?: string }>({
      method: 'GET',
      path: this.path('/me'),
      query: { fields: 'id,name' },
      token: accessToken,
    });
    return { id: String(me.id), name: me.name };
  }

  /** Inspects any token with the app token ({appId}|{appSecret}). */
  async debugToken(inputToken: string): Promise<TokenDebugInfo> {
    const { data } = await this.request<{ data: DebugTokenData }>({
      method: 'GET',
      path: this.path('/debug_token'),
      query: { input_token: inputToken },
      token: this.appToken(),
      secrets: [inputToken],
    });
    const expiresAt = Number(data?.expires_at ?? 0);
    return {
      isValid: data?.is_valid === true,
      type: data?.type,
      appId: data?.app_id === undefined ? undefined : String(data.app_id),
      profileId: data?.profile_id === undefined ? undefined : String(data.profile_id),
      userId: data?.user_id === undefined ? undefined : String(data.user_id),
      scopes: data?.scopes ?? [],
      expiresAt: expiresAt > 0 ? new Date(expiresAt * 1000) : null,
      errorMessage: data?.error?.message && this.scrub(data.error.message, [inputToken]),
    };
  }

  /** The client secret authenticates this call, so no access_token/appsecret_proof is sent. */
  async exchangeForLongLivedUserToken(
    shortLivedUserToken: string,
  ): Promise<{ accessToken: string; expiresIn?: number }> {
    const res = await this.request<{ access_token: string; expires_in?: number }>({
      method: 'GET',
      path: this.path('/oauth/access_token'),
      query: {
        grant_type: 'fb_exchange_token',
        client_id: this.config.appId,
        client_secret: this.config.appSecret,
        fb_exchange_token: shortLivedUserToken,
      },
      secrets: [shortLivedUserToken],
    });
    return { accessToken: res.access_token, expiresIn: res.expires_in };
  }

  /** Every Page the user can manage, following paging.next to the end. */
  async listPageAccounts(userToken: string): Promise<PageAccount[]> {
    const accounts: PageAccount[] = [];
    let call: Call | undefined = {
      method: 'GET',
      path: this.path('/me/accounts'),
      query: { fields: 'id,name,access_token,tasks', limit: '100' },
      token: userToken,
    };
    for (let page = 0; call; page++) {
      if (page >= MAX_ACCOUNT_PAGES)
        throw this.pagingError(`more than ${MAX_ACCOUNT_PAGES} pages of accounts`);
      const res: AccountsPage = await this.request<AccountsPage>(call);
      for (const a of res.data ?? []) {
        accounts.push({
          id: String(a.id),
          name: a.name ?? '',
          accessToken: a.access_token,
          tasks: a.tasks ?? [],
        });
      }
      call = res.paging?.next && res.data?.length ? this.nextPageCall(res.paging.next, userToken) : undefined;
    }
    return accounts;
  }

  async subscribeApp(pageId: string, pageToken: string, fields: string[]): Promise<void> {
    await this.request({
      method: 'POST',
      path: this.path(`/${encodeURIComponent(pageId)}/subscribed_apps`),
      token: pageToken,
      body: { subscribed_fields: fields.join(',') },
    });
  }

  async getSubscribedApps(pageId: string, pageToken: string): Promise<SubscribedApp[]> {
    const res = await this.request<{
      data?: Array<{ id: string; name?: string; subscribed_fields?: string[] }>;
    }>({
      method: 'GET',
      path: this.path(`/${encodeURIComponent(pageId)}/subscribed_apps`),
      token: pageToken,
    });
    return (res.data ?? []).map((a) => ({
      id: String(a.id),
      name: a.name,
      subscribedFields: a.subscribed_fields ?? [],
    }));
  }

  async unsubscribeApp(pageId: string, pageToken: string): Promise<void> {
    await this.request({
      method: 'DELETE',
      path: this.path(`/${encodeURIComponent(pageId)}/subscribed_apps`),
      token: pageToken,
    });
  }

  async sendMessage(pageToken: string, body: SendApiRequest): Promise<SendApiResult> {
    const res = await this.request<{ recipient_id?: string; message_id?: string }>({
      method: 'POST',
      path: this.path('/me/messages'),
      token: pageToken,
      body,
    });
    return { recipientId: res.recipient_id, messageId: res.message_id };
  }

  async getMessengerProfile(pageToken: string, fields: string[]): Promise<Record<string, unknown>> {
    const res = await this.request<{ data?: Array<Record<string, unknown>> }>({
      method: 'GET',
      path: this.path('/me/messenger_profile'),
      query: { fields: fields.join(',') },
      token: pageToken,
    });
    return res.data?.[0] ?? {};
  }

  async setMessengerProfile(pageToken: string, profile: Record<string, unknown>): Promise<void> {
    await this.request({
      method: 'POST',
      path: this.path('/me/messenger_profile'),
      token: pageToken,
      body: profile,
    });
  }

  async deleteMessengerProfile(pageToken: string, fields: string[]): Promise<void> {
    await this.request({
      method: 'DELETE',
      path: this.path('/me/messenger_profile'),
      token: pageToken,
      body: { fields },
    });
  }

  async getPsidForAccountLinkingToken(
    pageToken: string,
    accountLinkingToken: string,
  ): Promise<{ psid: string }> {
    const res = await this.request<{ recipient: string }>({
      method: 'GET',
      path: this.path('/me'),
      query: { fields: 'recipient', account_linking_token: accountLinkingToken },
      token: pageToken,
      secrets: [accountLinkingToken],
    });
    return { psid: String(res.recipient) };
  }

  async unlinkAccount(pageToken: string, psid: string): Promise<void> {
    await this.request({
      method: 'POST',
      path: this.path('/me/unlink_accounts'),
      token: pageToken,
      body: { psid },
    });
  }

  private path(relative: string): string {
    return `${this.basePath}/${this.config.graphVersion}${relative}`;
  }

  private appToken(): string {
    return `${this.config.appId}|${this.config.appSecret}`;
  }

  private proof(token: string): string {
    return createHmac('sha256', this.config.appSecret).update(token).digest('hex');
  }

  /**
   * Facebook's next URL carries the token; we only follow it on our own Graph host, and rebuild the
   * token and proof ourselves rather than trusting what came back.
   */
  private nextPageCall(next: string, userToken: string): Call {
    let url: URL;
    try {
      url = new URL(next);
    } catch {
      throw this.pagingError('paging.next is not a URL');
    }
    if (url.origin !== this.origin || !url.pathname.startsWith(`${this.basePath}/`)) {
      throw this.pagingError('paging.next points outside the configured Graph base URL');
    }
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => {
      if (key !== 'access_token' && key !== 'appsecret_proof') query[key] = value;
    });
    return { method: 'GET', path: url.pathname, query, token: userToken };
  }

  private pagingError(why: string): GraphApiError {
    // The HTTP call succeeded (200) but its answer cannot be used: permanent, not "Graph unreachable".
    return new GraphApiError({ httpStatus: 200, message: `Cannot follow /me/accounts paging: ${why}` });
  }

  private async request<T = unknown>(call: Call): Promise<T> {
    const secrets = [...(call.secrets ?? []), this.config.appSecret];
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(call.query ?? {}))
      if (value !== undefined) params.set(key, value);
    if (call.token !== undefined) {
      const proof = this.proof(call.token);
      params.set('access_token', call.token);
      params.set('appsecret_proof', proof);
      secrets.push(call.token, proof);
    }
    const query = params.toString();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let status: number | undefined;
    try {
      const res = await this.pool.request({
        method: call.method,
        path: query ? `${call.path}?${query}` : call.path,
        headers:
          call.body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
      });
      status = res.statusCode;
      const payload = parseJson(await res.body.text());
      const fbError = (payload as FacebookErrorBody | undefined)?.error;
      if (status >= 400 || fbError) throw this.facebookError(status, fbError, res.headers, secrets);
      if (payload === undefined) {
        throw new GraphApiError({
          httpStatus: status,
          message: `Graph API answered HTTP ${status} without JSON`,
        });
      }
      this.logger.debug(`Graph ${call.method} ${call.path} -> ${status} in ${elapsed()}ms`);
      return payload as T;
    } catch (caught) {
      const error = caught instanceof GraphApiError ? caught : this.networkError(caught, secrets);
      const trace = error.fbtraceId ? ` fbtrace_id=${error.fbtraceId}` : '';
      this.logger.warn(
        `Graph ${call.method} ${call.path} -> ${status ?? 'no response'} in ${elapsed()}ms (${error.kind}` +
          `${error.code === undefined ? '' : ` code=${error.code}`}${error.subcode === undefined ? '' : `/${error.subcode}`})${trace}`,
      );
      throw error;
    }
  }

  private facebookError(
    status: number,
    fb: FacebookErrorBody['error'],
    headers: IncomingHttpHeaders,
    secrets: string[],
  ): GraphApiError {
    const trace = headers['x-fb-trace-id'];
    return new GraphApiError({
      httpStatus: status,
      code: toInt(fb?.code),
      subcode: toInt(fb?.error_subcode),
      type: typeof fb?.type === 'string' ? fb.type : undefined,
      fbtraceId:
        typeof fb?.fbtrace_id === 'string' ? fb.fbtrace_id : typeof trace === 'string' ? trace : undefined,
      message: this.scrub(
        typeof fb?.message === 'string' ? fb.message : `Graph API answered HTTP ${status}`,
        secrets,
      ),
      retryAfterSeconds: parseRetryAfter(headers['retry-after']),
    });
  }

  private networkError(caught: unknown, secrets: string[]): GraphApiError {
    const code = (caught as { code?: unknown })?.code;
    const timedOut =
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'UND_ERR_CONNECT_TIMEOUT';
    const detail = typeof code === 'string' ? code : caught instanceof Error ? caught.name : 'unknown error';
    // No `cause`: the underlying error may hold the request path, and with it the token.
    return new GraphApiError({
      message: timedOut
        ? `Graph API timed out after ${this.config.graphTimeoutMs}ms (${detail})`
        : this.scrub(`Graph API unreachable (${detail})`, secrets),
    });
  }

  /** Facebook sometimes echoes what it was sent; strip anything token-like and every known secret. */
  private scrub(text: string, secrets: string[]): string {
    let out = redactText(text);
    for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join(REDACTED);
    return out;
  }
}
