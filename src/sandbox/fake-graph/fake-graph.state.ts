import { randomBytes } from 'node:crypto';

export type FakeTokenType = 'PAGE' | 'USER' | 'APP';

export interface FakeToken {
  token: string;
  type: FakeTokenType;
  appId: string;
  pageId?: string;
  userId?: string;
  scopes: string[];
  /** Unix seconds; 0 = never. */
  expiresAt: number;
  dataAccessExpiresAt: number;
  revoked: boolean;
}

export interface FakePage {
  id: string;
  name: string;
  /** The current Page token (a revoked one is replaced, as a reconnect would). */
  token: string;
  /** appId -> subscribed fields. */
  subscriptions: Map<string, string[]>;
  psids: Set<string>;
  profile: Record<string, unknown>;
  unlinkedPsids: string[];
}

export interface FakeUser {
  id: string;
  name: string;
  pageIds: string[];
}

/** An accepted Send API body, with what the fake answered. */
export interface FakeSentMessage {
  pageId: string;
  recipient: Record<string, string>;
  messaging_type?: string;
  tag?: string;
  notification_type?: string;
  message?: Record<string, unknown>;
  sender_action?: string;
  recipient_id?: string;
  message_id?: string;
  at: Date;
}

export const DEFAULT_PAGE_SCOPES = [
  'pages_messaging',
  'pages_manage_metadata',
  'pages_show_list',
  'pages_read_engagement',
];
export const DEFAULT_USER_SCOPES = [
  'pages_show_list',
  'pages_messaging',
  'pages_manage_metadata',
  'public_profile',
];
export const PAGE_TASKS = ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE', 'MANAGE'];

const SHORT_LIVED_S = 2 * 3600;
const LONG_LIVED_S = 60 * 24 * 3600;
const DATA_ACCESS_S = 90 * 24 * 3600;

const nowS = () => Math.floor(Date.now() / 1000);

/** Everything the fake Graph API knows: one app, its Pages, users, tokens and PSIDs. In memory only. */
export class FakeGraphState {
  readonly pages = new Map<string, FakePage>();
  readonly users = new Map<string, FakeUser>();
  readonly tokens = new Map<string, FakeToken>();
  readonly psidPage = new Map<string, string>();
  readonly linkingTokens = new Map<string, { pageId: string; psid: string }>();
  readonly sent: FakeSentMessage[] = [];
  private idSeq = 0;

  constructor(
    readonly appId: string,
    readonly appSecret: string,
    readonly appName: string,
  ) {}

  /** Numeric ids that look like Facebook's, unique within this fake. */
  nextId(prefix = '1'): string {
    this.idSeq += 1;
    return `${prefix}${String(Date.now() % 1e9).padStart(9, '0')}${String(this.idSeq).padStart(5, '0')}`;
  }

  addPage(input: { id?: string; name?: string; scopes?: string[] } = {}): FakePage {
    const id = input.id ?? this.nextId('1');
    const page: FakePage = {
      id,
      name: input.name ?? `Test Page ${id.slice(-4)}`,
      token: '',
      subscriptions: new Map(),
      psids: new Set(),
      profile: {},
      unlinkedPsids: [],
    };
    page.token = this.issue({
      type: 'PAGE',
      pageId: id,
      scopes: input.scopes ?? DEFAULT_PAGE_SCOPES,
      expiresAt: 0,
    });
    this.pages.set(id, page);
    return page;
  }

  addUser(input: { pageIds?: string[]; name?: string; scopes?: string[] } = {}): {
    user: FakeUser;
    token: string;
  } {
    const user: FakeUser = {
      id: this.nextId('2'),
      name: input.name ?? 'Test User',
      pageIds: [...(input.pageIds ?? [])],
    };
    this.users.set(user.id, user);
    const token = this.issue({
      type: 'USER',
      userId: user.id,
      scopes: input.scopes ?? DEFAULT_USER_SCOPES,
      expiresAt: nowS() + SHORT_LIVED_S,
    });
    return { user, token };
  }

  /** fb_exchange_token: a fresh 60-day token with the same user and scopes. */
  issueLongLivedUserToken(short: FakeToken): { token: string; expiresIn: number } {
    const token = this.issue({
      type: 'USER',
      userId: short.userId,
      scopes: short.scopes,
      expiresAt: nowS() + LONG_LIVED_S,
    });
    return { token, expiresIn: LONG_LIVED_S };
  }

  addPsid(pageId: string): string {
    const page = this.requirePage(pageId);
    const psid = this.nextId('3');
    page.psids.add(psid);
    this.psidPage.set(psid, pageId);
    return psid;
  }

  revokePageToken(pageId: string): void {
    const page = this.requirePage(pageId);
    const old = this.tokens.get(page.token)!;
    old.revoked = true;
    page.token = this.issue({ type: 'PAGE', pageId, scopes: old.scopes, expiresAt: 0 });
  }

  revokeToken(token: string): void {
    const record = this.tokens.get(token);
    if (!record) throw new Error('FakeGraph: unknown token');
    record.revoked = true;
  }

  dropSubscription(pageId: string): void {
    this.requirePage(pageId).subscriptions.delete(this.appId);
  }

  createAccountLinkingToken(pageId: string, psid: string): string {
    const page = this.requirePage(pageId);
    if (!page.psids.has(psid)) throw new Error(`FakeGraph: ${psid} is not a PSID of Page ${pageId}`);
    const token = `ALT${randomBytes(18).toString('base64url')}`;
    this.linkingTokens.set(token, { pageId, psid });
    return token;
  }

  /** The app token ({appId}|{appSecret}) is not stored, it is recognised. */
  lookupToken(token: string): FakeToken | undefined {
    if (token === `${this.appId}|${this.appSecret}`) {
      return {
        token,
        type: 'APP',
        appId: this.appId,
        scopes: [],
        expiresAt: 0,
        dataAccessExpiresAt: 0,
        revoked: false,
      };
    }
    return this.tokens.get(token);
  }

  isExpired(token: FakeToken): boolean {
    return token.expiresAt !== 0 && token.expiresAt <= nowS();
  }

  requirePage(pageId: string): FakePage {
    const page = this.pages.get(pageId);
    if (!page) throw new Error(`FakeGraph: unknown Page ${pageId}`);
    return page;
  }

  clear(): void {
    this.pages.clear();
    this.users.clear();
    this.tokens.clear();
    this.psidPage.clear();
    this.linkingTokens.clear();
    this.sent.length = 0;
  }

  private issue(input: Pick<FakeToken, 'type' | 'pageId' | 'userId' | 'scopes' | 'expiresAt'>): string {
    // Shaped like Facebook's tokens (EAA...), so log redaction and token checks see realistic values.
    const token = `EAA${input.type === 'PAGE' ? 'P' : 'U'}${randomBytes(30).toString('base64url')}`;
    this.tokens.set(token, {
      ...input,
      token,
      appId: this.appId,
      scopes: [...input.scopes],
      dataAccessExpiresAt: nowS() + DATA_ACCESS_S,
      revoked: false,
    });
    return token;
  }
}
