import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertKind } from '../alerts/alert-kind';
import { DomainError } from '../common/errors/domain-error';
import { pagesConfig, type PagesConfig } from '../config/pages.config';
import { GraphApiClient } from '../graph/graph-api.client';
import { GraphApiError } from '../graph/graph-api.error';
import { BotCatalog } from '../bot-sdk/bot-catalog';
import { PageTokenVerifier } from './page-token.verifier';
import { toPageView, type PageView } from './page-view';
import type { Page, PageStatus } from './page.entity';
import { PageNotFoundError, PageRemovedError, toDomainError } from './pages.errors';
import { PagesRepository, type TokenRecord } from './pages.repository';
import { PagesService } from './pages.service';
import { TokenVault } from './token-vault';

export interface UpdatePageInput {
  name?: string;
  status?: 'active' | 'paused';
  accessToken?: string;
  bot?: string | null;
}

export interface RemovedPage {
  page: PageView;
  /** Whether the app was unsubscribed from the Page; removal goes ahead either way. */
  unsubscribed: boolean;
  unsubscribeError?: { code?: string | number; message: string; fbtraceId?: string };
}

/** Operator changes to a registered Page: edit, pause/resume, replace the token, resubscribe, remove. */
@Injectable()
export class PageLifecycleService {
  private readonly logger = new Logger(PageLifecycleService.name);

  constructor(
    private readonly graph: GraphApiClient,
    private readonly verifier: PageTokenVerifier,
    private readonly repository: PagesRepository,
    private readonly pages: PagesService,
    private readonly vault: TokenVault,
    @Inject(pagesConfig.KEY) private readonly config: PagesConfig,
    private readonly bots: BotCatalog,
  ) {}

  async update(pageId: string, input: UpdatePageInput): Promise<PageView> {
    if (typeof input.bot === 'string') this.bots.assertKnown(input.bot);
    const page = this.assertNotRemoved(await this.pages.load(pageId));
    // A new token is checked like a registration; it must belong to this very Page.
    const token: TokenRecord | undefined = input.accessToken
      ? (await this.verifier.verify(input.accessToken, pageId)).record
      : undefined;

    let status: PageStatus | undefined;
    let statusReason: string | null = null;
    if (input.status === 'paused') {
      status = 'paused';
      statusReason = 'paused by an operator';
    } else if (input.status === 'active') {
      // Lifting a token hold needs a token that works now.
      if (!token && page.status === 'token_invalid')
        await this.verifier.verify(this.pages.openToken(page), pageId);
      status = 'active';
    } else if (token && page.status === 'token_invalid') {
      status = 'active';
    }

    const change = await this.repository.applyPatch(pageId, {
      name: input.name,
      bot: input.bot,
      token,
      ...(status ? { status, statusReason } : {}),
    });
    if (!change) throw new PageNotFoundError(pageId);
    this.pages.committed(change);
    if (token) this.vault.forget(pageId);
    if (token || status === 'active')
      await this.pages.resolveAlerts(pageId, [AlertKind.PageTokenInvalid, AlertKind.PagePermissionMissing]);
    if (status === 'active') await this.pages.resolveAlerts(pageId, [AlertKind.PagePaused]);
    this.logger.log(
      {
        pageId,
        status: change.page.status,
        previous: change.previous,
        tokenReplaced: Boolean(token),
        fields: Object.keys(input).filter((k) => input[k as keyof UpdatePageInput] !== undefined),
      },
      'Page updated',
    );
    return toPageView(change.page);
  }

  /** Subscribes the app to the Page again now, with the Page's fields. */
  async subscribe(pageId: string): Promise<PageView> {
    const page = this.assertNotRemoved(await this.pages.load(pageId));
    const token = this.pages.openToken(page);
    const fields = page.subscribedFields.length > 0 ? page.subscribedFields : this.config.subscribedFields;
    await this.withStoredToken(pageId, () => this.graph.subscribeApp(pageId, token, fields));
    await this.repository.recordSubscription(pageId, fields, new Date());
    const change = await this.repository.transition(pageId, 'active', null, ['unsubscribed']);
    if (change) this.pages.committed(change);
    await this.pages.resolveAlerts(pageId, [AlertKind.PageUnsubscribed]);
    return this.pages.findById(pageId);
  }

  /**
   * Unsubscribes the app (best effort: a dead token must not keep a Page registered), erases the token
   * and keeps the row as `removed` so history stays readable. Removing a removed Page changes nothing.
   */
  async remove(pageId: string): Promise<RemovedPage> {
    const page = await this.pages.load(pageId);
    if (page.status === 'removed') return { page: toPageView(page), unsubscribed: false };

    let unsubscribeError: RemovedPage['unsubscribeError'];
    try {
      await this.graph.unsubscribeApp(pageId, this.pages.openToken(page));
    } catch (error) {
      if (error instanceof GraphApiError) {
        unsubscribeError = { code: error.code, message: error.message, fbtraceId: error.fbtraceId };
      } else if (error instanceof DomainError) {
        unsubscribeError = { code: error.code, message: error.message };
      } else {
        throw error;
      }
    }
    const change = await this.repository.markRemoved(pageId, 'removed by an operator');
    if (!change) throw new PageNotFoundError(pageId);
    this.vault.forget(pageId);
    this.pages.committed(change);
    await this.pages.resolveAlerts(pageId, [
      AlertKind.PageTokenInvalid,
      AlertKind.PageUnsubscribed,
      AlertKind.PagePermissionMissing,
      AlertKind.PagePaused,
    ]);
    this.logger.log({ pageId, previous: change.previous, unsubscribed: !unsubscribeError }, 'Page removed');
    return {
      page: toPageView(change.page),
      unsubscribed: !unsubscribeError,
      ...(unsubscribeError ? { unsubscribeError } : {}),
    };
  }

  /** A Graph call with the stored token: Facebook refusing that token puts the Page on hold. */
  async withStoredToken<T>(
    pageId: string,
    call: () => Promise<T>,
    rejectedCode = 'graph_token_rejected',
  ): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof GraphApiError && error.isTokenInvalid) {
        await this.pages.markTokenInvalid(pageId, `Facebook rejected the token (${error.code})`, error);
      }
      throw toDomainError(error, rejectedCode);
    }
  }

  assertNotRemoved(page: Page): Page {
    if (page.status === 'removed') throw new PageRemovedError(page.pageId);
    return page;
  }
}
