import { Injectable, Logger } from '@nestjs/common';
import { AlertKind } from '../alerts/alert-kind';
import { AlertsService } from '../alerts/alerts.service';
import type { GraphApiError } from '../graph/graph-api.error';
import { PageCredentialsCache } from './page-credentials.cache';
import { PageStatusEvents } from './page-status.events';
import { toPageView, type PageView } from './page-view';
import type { Page, PageStatus } from './page.entity';
import { PageNotFoundError, PageTokenUnavailableError } from './pages.errors';
import { PagesRepository, sealedOf, type PageChange } from './pages.repository';
import { TokenVault, TokenVaultError } from './token-vault';

export interface PageCredentials {
  pageId: string;
  status: PageStatus;
  bot: string | null;
  accessToken: string;
}

export interface PageRouting {
  pageId: string;
  status: PageStatus;
  bot: string | null;
}

export interface PageList {
  items: PageView[];
  nextCursor: string | null;
}

// The inbound processor asks for every event; a Page's status may lag this much in other processes.
const ROUTING_CACHE_MS = 5_000;
/**
 * The send path asks for every message. Why a status or token up to this old is safe to send with:
 * - Facebook's verdicts (190 token, 200 permission, 368 policy) come from the call itself, whatever
 *   the cache says; the send policy then re-reads the Page fresh (a replaced token is retried with the
 *   new one, see getCredentials), and the process that records the new status forgets its entry.
 * - A hold committed by another process (an operator's pause in the web role) holds the Page's queued
 *   messages in the same moment (OutboxRecoveryService), and a send claims only a queued message, so a
 *   stale "active" here cannot send those. What can still go out, within this many seconds of the
 *   hold, removal or token change, is a message accepted meanwhile by a process whose routing cache
 *   (ROUTING_CACHE_MS, the same bound) had not seen it yet.
 * - The other direction (cached "on hold", the Page resumed elsewhere) never holds a message on the
 *   cache's word: the send path re-reads fresh before holding.
 */
const CREDENTIALS_CACHE_MS = ROUTING_CACHE_MS;
const MAX_ROUTING_CACHED = 10_000;
// last_event_at is informational: one write per Page per minute and process is plenty.
const TOUCH_EVERY_MS = 60_000;

/**
 * What other modules ask about Pages: their token and status, routing, and reports of a token or a
 * policy problem found while sending. They never read the table.
 */
@Injectable()
export class PagesService {
  private readonly logger = new Logger(PagesService.name);
  private readonly routing = new Map<string, { value: PageRouting; expiresAt: number }>();
  private readonly touched = new Map<string, number>();
  private readonly credentials = new PageCredentialsCache(CREDENTIALS_CACHE_MS);

  constructor(
    private readonly repository: PagesRepository,
    private readonly vault: TokenVault,
    private readonly alerts: AlertsService,
    private readonly events: PageStatusEvents,
  ) {}

  async findById(pageId: string): Promise<PageView> {
    return toPageView(await this.load(pageId));
  }

  async list(query: { status?: PageStatus; cursor?: string; limit: number }): Promise<PageList> {
    const rows = await this.repository.list({
      status: query.status,
      after: decodeCursor(query.cursor),
      limit: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map(toPageView);
    const nextCursor = rows.length > query.limit ? encodeCursor(items[items.length - 1].pageId) : null;
    return { items, nextCursor };
  }

  /**
   * The Page's decrypted token and status, read now; the caller decides whether the status allows
   * sending. Also renews what getCachedCredentials answers.
   */
  async getCredentials(pageId: string): Promise<PageCredentials> {
    const epoch = this.credentials.begin();
    try {
      const page = await this.load(pageId);
      const value = { pageId, status: page.status, bot: page.bot, accessToken: this.openToken(page) };
      this.credentials.set(value, epoch);
      return value;
    } catch (error) {
      this.credentials.forget(pageId);
      throw error;
    }
  }

  /** getCredentials answered from a cache of CREDENTIALS_CACHE_MS (why that is safe: see there). */
  async getCachedCredentials(pageId: string): Promise<PageCredentials> {
    return this.credentials.through(pageId, () => this.getCredentials(pageId));
  }

  /** Status and bot, cached for a few seconds; null for an unknown Page (never cached). */
  async getRouting(pageId: string): Promise<PageRouting | null> {
    const hit = this.routing.get(pageId);
    if (hit && hit.expiresAt > Date.now()) return hit.value;
    const page = await this.repository.findByPageId(pageId);
    if (!page) {
      this.routing.delete(pageId);
      return null;
    }
    const value = { pageId, status: page.status, bot: page.bot };
    this.routing.delete(pageId);
    if (this.routing.size >= MAX_ROUTING_CACHED)
      this.routing.delete(this.routing.keys().next().value as string);
    this.routing.set(pageId, { value, expiresAt: Date.now() + ROUTING_CACHE_MS });
    return value;
  }

  /** Facebook says the token is invalid or expired (190, or debug_token is_valid false). */
  async markTokenInvalid(pageId: string, reason: string, error?: GraphApiError): Promise<void> {
    const change = await this.repository.transition(pageId, 'token_invalid', reason, [
      'active',
      'paused',
      'unsubscribed',
    ]);
    if (!change) throw new PageNotFoundError(pageId);
    if (!this.committed(change)) return;
    this.logger.warn({ pageId, reason, graphCode: error?.code }, 'Page token invalid: the Page is on hold');
    await this.alerts.raise({
      kind: AlertKind.PageTokenInvalid,
      severity: 'critical',
      pageId,
      title: `Page ${pageId} token is invalid; register a new token`,
      details: { reason, previousStatus: change.previous, ...(error ? { error: error.toJSON() } : {}) },
    });
  }

  /** Facebook blocked the Page for policy reasons (368) or a comparable Page-level refusal. */
  async pauseForPolicy(pageId: string, reason: string, error?: GraphApiError): Promise<void> {
    const change = await this.repository.transition(pageId, 'paused', reason, ['active', 'unsubscribed']);
    if (!change) throw new PageNotFoundError(pageId);
    if (!this.committed(change)) return;
    this.logger.warn({ pageId, reason, graphCode: error?.code }, 'Page paused');
    await this.alerts.raise({
      kind: AlertKind.PagePaused,
      severity: 'critical',
      pageId,
      title: `Page ${pageId} was paused: ${reason}`,
      details: { reason, previousStatus: change.previous, ...(error ? { error: error.toJSON() } : {}) },
    });
  }

  /** Records that an event arrived for the Page; at most one write per Page per minute per process. */
  async touchLastEvent(pageId: string, at: Date = new Date()): Promise<void> {
    const last = this.touched.get(pageId);
    if (last !== undefined && at.getTime() - last < TOUCH_EVERY_MS) return;
    this.touched.delete(pageId);
    if (this.touched.size >= MAX_ROUTING_CACHED)
      this.touched.delete(this.touched.keys().next().value as string);
    this.touched.set(pageId, at.getTime());
    await this.repository.touchLastEvent(pageId, at);
  }

  // ---- for the other services of this module ----

  /** Loads a Page or throws PageNotFoundError. */
  async load(pageId: string): Promise<Page> {
    const page = await this.repository.findByPageId(pageId);
    if (!page) throw new PageNotFoundError(pageId);
    return page;
  }

  /** The Page's token, or PageTokenUnavailableError naming the Page (never the token). */
  openToken(page: Page): string {
    const sealed = sealedOf(page);
    if (!sealed) throw new PageTokenUnavailableError(page.pageId, 'removed');
    try {
      return this.vault.open(page.pageId, sealed);
    } catch (error) {
      if (error instanceof TokenVaultError) {
        this.logger.error(
          { pageId: page.pageId, keyId: error.keyId, reason: error.reason },
          'Page token cannot be decrypted',
        );
        throw new PageTokenUnavailableError(page.pageId, 'undecryptable', error.message);
      }
      throw error;
    }
  }

  /** After a committed change: drop cached views of the Page and announce a status change. True if it changed. */
  committed(change: PageChange): boolean {
    this.routing.delete(change.page.pageId);
    this.credentials.forget(change.page.pageId);
    if (change.page.status === change.previous) return false;
    this.events.emit({ pageId: change.page.pageId, status: change.page.status, previous: change.previous });
    return true;
  }

  /** Closes the Page's alerts whose condition a successful check or re-registration disproved. */
  async resolveAlerts(pageId: string, kinds: AlertKind[]): Promise<void> {
    for (const kind of kinds) await this.alerts.resolve(this.alerts.dedupKeyFor(kind, pageId));
  }
}

function encodeCursor(pageId: string): string {
  return Buffer.from(pageId, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): string | undefined {
  return cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
}
