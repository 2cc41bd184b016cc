import { randomBytes } from 'node:crypto';
import { GraphErrors } from './fake-graph.errors';
import { type FakeGraphState, type FakePage, type FakeToken, PAGE_TASKS } from './fake-graph.state';

/** One authenticated request, as the routes see it (the server has checked the token and proof). */
export interface GraphCall {
  method: string;
  /** Path without the version prefix, e.g. `/me/messages`. */
  path: string;
  /** `v23.0`, or undefined when the caller used no version. */
  version?: string;
  /** Query merged with the body (the body wins), as Graph treats them. */
  params: Record<string, unknown>;
  token?: FakeToken;
  state: FakeGraphState;
  /** Base URL for absolute links (paging.next). */
  baseUrl: string;
}

/** Which token a route needs: checked by the server before the handler runs. */
export type RouteAuth = 'none' | 'any' | 'page' | 'user';

export interface Route {
  method: string;
  pattern: RegExp;
  auth: RouteAuth;
  handle(call: GraphCall, match: RegExpMatchArray): unknown;
}

const SENDER_ACTIONS = ['typing_on', 'typing_off', 'mark_seen'];
const MESSAGING_TYPES = ['RESPONSE', 'UPDATE', 'MESSAGE_TAG'];
const MAX_TEXT = 2000;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
const list = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.map(String)
    : (str(v) ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `me` means the token's Page; a numeric id must be that same Page. */
function pageOf(call: GraphCall, node: string): FakePage {
  const token = call.token!;
  if (node !== 'me') {
    if (!call.state.pages.has(node)) throw GraphErrors.noSuchObject(node);
    if (node !== token.pageId) throw GraphErrors.pageTokenRequired();
  }
  return call.state.requirePage(token.pageId!);
}

function requireScope(call: GraphCall, scope: string, code: number): void {
  if (!call.token!.scopes.includes(scope)) throw GraphErrors.missingPermission(scope, code);
}

function getMe(call: GraphCall): unknown {
  const token = call.token!;
  const fields = list(call.params.fields);
  if (fields.includes('recipient') || call.params.account_linking_token !== undefined) {
    if (token.type !== 'PAGE') throw GraphErrors.pageTokenRequired();
    const link = call.state.linkingTokens.get(str(call.params.account_linking_token) ?? '');
    if (!link || link.pageId !== token.pageId)
      throw GraphErrors.invalidParameter('Invalid account_linking_token');
    return { recipient: link.psid, id: link.pageId };
  }
  if (token.type === 'PAGE') {
    const page = call.state.requirePage(token.pageId!);
    return { id: page.id, name: page.name };
  }
  if (token.type === 'USER') {
    const user = call.state.users.get(token.userId!);
    return { id: token.userId, name: user?.name };
  }
  throw GraphErrors.noToken();
}

function debugToken(call: GraphCall): unknown {
  const input = str(call.params.input_token);
  if (!input) throw GraphErrors.invalidParameter('The parameter input_token is required');
  const t = call.state.lookupToken(input);
  if (!t) {
    return {
      data: {
        is_valid: false,
        scopes: [],
        error: { code: 190, message: 'Invalid OAuth access token - Cannot parse access token' },
      },
    };
  }
  const expired = call.state.isExpired(t);
  const owner = t.pageId
    ? [...call.state.users.values()].find((u) => u.pageIds.includes(t.pageId!))
    : undefined;
  return {
    data: {
      app_id: t.appId,
      type: t.type,
      application: call.state.appName,
      ...(t.type === 'APP' ? {} : { data_access_expires_at: t.dataAccessExpiresAt, expires_at: t.expiresAt }),
      is_valid: !t.revoked && !expired,
      ...(t.type === 'PAGE' ? { profile_id: t.pageId } : {}),
      ...(t.userId || owner ? { user_id: t.userId ?? owner!.id } : {}),
      scopes: t.scopes,
      ...(t.revoked
        ? {
            error: {
              code: 190,
              subcode: 460,
              message: 'The session has been invalidated because the user changed their password.',
            },
          }
        : expired
          ? { error: { code: 190, subcode: 463, message: 'Session has expired.' } }
          : {}),
    },
  };
}

function exchangeToken(call: GraphCall): unknown {
  const { state, params } = call;
  if (str(params.grant_type) !== 'fb_exchange_token')
    throw GraphErrors.invalidParameter('Unsupported grant_type');
  if (str(params.client_id) !== state.appId) throw GraphErrors.badClientId();
  if (str(params.client_secret) !== state.appSecret) throw GraphErrors.badClientSecret();
  const short = state.lookupToken(str(params.fb_exchange_token) ?? '');
  if (!short || short.type !== 'USER') throw GraphErrors.unknownToken();
  if (short.revoked) throw GraphErrors.revokedToken();
  if (state.isExpired(short)) throw GraphErrors.expiredToken();
  const { token, expiresIn } = state.issueLongLivedUserToken(short);
  return { access_token: token, token_type: 'bearer', expires_in: expiresIn };
}

function listAccounts(call: GraphCall): unknown {
  const { state, token } = call;
  const user = state.users.get(token!.userId!);
  const pages = (user?.pageIds ?? []).map((id) => state.pages.get(id)).filter((p): p is FakePage => !!p);
  const limit = Math.min(Math.max(Number(str(call.params.limit) ?? 25) || 25, 1), 100);
  const after = str(call.params.after);
  let start = 0;
  if (after) {
    const afterId = Buffer.from(after, 'base64url').toString('utf8');
    const index = pages.findIndex((p) => p.id === afterId);
    if (index < 0) throw GraphErrors.invalidParameter('Invalid cursor');
    start = index + 1;
  }
  const slice = pages.slice(start, start + limit);
  if (slice.length === 0) return { data: [] };
  const cursor = (p: FakePage) => Buffer.from(p.id).toString('base64url');
  const last = slice[slice.length - 1];
  const paging: Record<string, unknown> = { cursors: { before: cursor(slice[0]), after: cursor(last) } };
  if (start + limit < pages.length) {
    // Like Facebook, the next link is absolute and carries the access token.
    const next = new URL(`${call.baseUrl}${call.version ? `/${call.version}` : ''}/me/accounts`);
    next.searchParams.set('access_token', token!.token);
    if (call.params.fields !== undefined) next.searchParams.set('fields', list(call.params.fields).join(','));
    next.searchParams.set('limit', String(limit));
    next.searchParams.set('after', cursor(last));
    paging.next = next.toString();
  }
  return {
    data: slice.map((p) => ({
      access_token: p.token,
      category: 'Business',
      name: p.name,
      id: p.id,
      tasks: PAGE_TASKS,
    })),
    paging,
  };
}

function subscribedApps(call: GraphCall, match: RegExpMatchArray): unknown {
  const page = pageOf(call, match[1]);
  const appId = call.state.appId;
  if (call.method === 'GET') {
    const fields = page.subscriptions.get(appId);
    return { data: fields ? [{ id: appId, name: call.state.appName, subscribed_fields: fields }] : [] };
  }
  requireScope(call, 'pages_manage_metadata', 200);
  if (call.method === 'DELETE') {
    page.subscriptions.delete(appId);
    return { success: true };
  }
  const fields = list(call.params.subscribed_fields);
  if (fields.length === 0) throw GraphErrors.invalidParameter('The parameter subscribed_fields is required');
  const bad = fields.find((f) => !/^[a-z_]+$/.test(f));
  if (bad)
    throw GraphErrors.invalidParameter(
      `Param subscribed_fields[${bad}] must be one of the Page webhook fields`,
    );
  page.subscriptions.set(appId, [...new Set(fields)]);
  return { success: true };
}

function sendMessage(call: GraphCall, match: RegExpMatchArray): unknown {
  const page = pageOf(call, match[1]);
  requireScope(call, 'pages_messaging', 230);
  const p = call.params;
  const recipient = p.recipient;
  if (!isObject(recipient) || Object.keys(recipient).length === 0) {
    throw GraphErrors.invalidParameter('param recipient must be non-empty.');
  }
  const hasMessage = p.message !== undefined;
  const action = str(p.sender_action);
  if (hasMessage === (action !== undefined))
    throw GraphErrors.invalidParameter('Must send either message or sender action');
  if (action !== undefined && !SENDER_ACTIONS.includes(action)) {
    throw GraphErrors.invalidParameter(`Param sender_action must be one of {${SENDER_ACTIONS.join(', ')}}`);
  }
  const type = str(p.messaging_type);
  if (type !== undefined && !MESSAGING_TYPES.includes(type)) {
    throw GraphErrors.invalidParameter(`Param messaging_type must be one of {${MESSAGING_TYPES.join(', ')}}`);
  }
  if (type === 'MESSAGE_TAG' && !str(p.tag))
    throw GraphErrors.invalidParameter('Param tag is required for MESSAGE_TAG');
  if (hasMessage) {
    const message = p.message;
    if (!isObject(message) || (message.text === undefined && message.attachment === undefined)) {
      throw GraphErrors.invalidParameter('Message cannot be empty, must provide valid attachment or text');
    }
    if (typeof message.text === 'string' && message.text.length > MAX_TEXT) {
      throw GraphErrors.invalidParameter(
        `Length of param message[text] must be less than or equal to ${MAX_TEXT}`,
      );
    }
  }
  let recipientId: string | undefined;
  if (recipient.id !== undefined) {
    // A PSID is scoped to its Page: another Page's PSID is "no matching user", as on Facebook.
    recipientId = str(recipient.id);
    if (!recipientId || !page.psids.has(recipientId)) throw GraphErrors.noMatchingUser();
  } else if (recipient.phone_number !== undefined) {
    recipientId = call.state.addPsid(page.id);
  } else if (!str(recipient.user_ref)) {
    throw GraphErrors.invalidParameter('param recipient must have id, user_ref or phone_number');
  }
  const messageId = hasMessage ? `m_${randomBytes(24).toString('base64url')}` : undefined;
  call.state.sent.push({
    pageId: page.id,
    recipient: recipient as Record<string, string>,
    ...pick(p, ['messaging_type', 'tag', 'notification_type', 'message', 'sender_action']),
    recipient_id: recipientId,
    message_id: messageId,
    at: new Date(),
  });
  return {
    ...(recipientId ? { recipient_id: recipientId } : {}),
    ...(messageId ? { message_id: messageId } : {}),
  };
}

function messengerProfile(call: GraphCall, match: RegExpMatchArray): unknown {
  const page = pageOf(call, match[1]);
  if (call.method === 'GET') {
    const fields = list(call.params.fields);
    if (fields.length === 0) throw GraphErrors.invalidParameter('The parameter fields is required');
    const found = Object.fromEntries(
      fields.filter((f) => f in page.profile).map((f) => [f, page.profile[f]]),
    );
    return { data: Object.keys(found).length ? [found] : [] };
  }
  if (call.method === 'DELETE') {
    const fields = list(call.params.fields);
    if (fields.length === 0) throw GraphErrors.invalidParameter('The parameter fields is required');
    for (const f of fields) delete page.profile[f];
    return { result: 'success' };
  }
  const updates = Object.entries(call.params).filter(
    ([k]) => k !== 'access_token' && k !== 'appsecret_proof',
  );
  if (updates.length === 0) throw GraphErrors.invalidParameter('You must update at least one property');
  Object.assign(page.profile, Object.fromEntries(updates));
  return { result: 'success' };
}

function unlinkAccount(call: GraphCall, match: RegExpMatchArray): unknown {
  const page = pageOf(call, match[1]);
  const psid = str(call.params.psid);
  if (!psid) throw GraphErrors.invalidParameter('The parameter psid is required');
  if (!page.psids.has(psid)) throw GraphErrors.noMatchingUser();
  page.unlinkedPsids.push(psid);
  return { success: true };
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, never> {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]])) as Record<
    string,
    never
  >;
}

const NODE = '(me|\\d+)';
export const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/me$/, auth: 'any', handle: getMe },
  { method: 'GET', pattern: /^\/debug_token$/, auth: 'any', handle: debugToken },
  { method: 'GET', pattern: /^\/oauth\/access_token$/, auth: 'none', handle: exchangeToken },
  { method: 'GET', pattern: /^\/me\/accounts$/, auth: 'user', handle: listAccounts },
  ...['GET', 'POST', 'DELETE'].map((method) => ({
    method,
    pattern: new RegExp(`^/${NODE}/subscribed_apps$`),
    auth: 'page' as const,
    handle: subscribedApps,
  })),
  { method: 'POST', pattern: new RegExp(`^/${NODE}/messages$`), auth: 'page', handle: sendMessage },
  ...['GET', 'POST', 'DELETE'].map((method) => ({
    method,
    pattern: new RegExp(`^/${NODE}/messenger_profile$`),
    auth: 'page' as const,
    handle: messengerProfile,
  })),
  { method: 'POST', pattern: new RegExp(`^/${NODE}/unlink_accounts$`), auth: 'page', handle: unlinkAccount },
];

export function findRoute(
  method: string,
  path: string,
): { route: Route; match: RegExpMatchArray } | undefined {
  for (const route of ROUTES) {
    const match = route.method === method ? path.match(route.pattern) : null;
    if (match) return { route, match };
  }
  return undefined;
}
