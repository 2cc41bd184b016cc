import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertKind } from '../alerts/alert-kind';
import { DomainError, InvalidRequestError } from '../common/errors/domain-error';
import { isKnownWebhookField, pagesConfig, type PagesConfig } from '../config/pages.config';
import { GraphApiClient } from '../graph/graph-api.client';
import { BotCatalog } from '../bot-sdk/bot-catalog';
import { mapWithConcurrency } from './concurrency';
import { PageTokenVerifier } from './page-token.verifier';
import { toPageView, type PageView } from './page-view';
import { graphCall } from './pages.errors';
import { PagesRepository } from './pages.repository';
import { PagesService } from './pages.service';

export interface RegisterPageInput {
  accessToken: string;
  pageId?: string;
  subscribe?: boolean;
  subscribedFields?: string[];
  /** The Page's bot; null or absent = the configured default bot. */
  bot?: string | null;
}

export interface RegisteredPage {
  page: PageView;
  /** false: the Page existed and was re-registered (token replaced, reactivated). */
  created: boolean;
}

export type ImportOutcome = 'registered' | 'updated' | 'failed';

export interface ImportedPageResult {
  pageId: string;
  name: string | null;
  result: ImportOutcome;
  code?: string;
  reason?: string;
}

export interface ImportResult {
  results: ImportedPageResult[];
  summary: Record<ImportOutcome, number>;
}

/** Registers Pages: one from a Page token, or many from a user token (/me/accounts). */
@Injectable()
export class PageRegistrationService {
  private readonly logger = new Logger(PageRegistrationService.name);

  constructor(
    private readonly graph: GraphApiClient,
    private readonly verifier: PageTokenVerifier,
    private readonly repository: PagesRepository,
    private readonly pages: PagesService,
    @Inject(pagesConfig.KEY) private readonly config: PagesConfig,
    private readonly bots: BotCatalog,
  ) {}

  /** Verifies the token with Facebook, subscribes the app, then stores; nothing is stored if a step fails. */
  async register(input: RegisterPageInput): Promise<RegisteredPage> {
    // Refused before any Graph call: 400 listing the bots this deployment runs.
    if (typeof input.bot === 'string') this.bots.assertKnown(input.bot);
    const subscribe = input.subscribe ?? true;
    const fields = this.fieldsFor(input.subscribedFields);
    const verified = await this.verifier.verify(input.accessToken, input.pageId);
    if (subscribe) await graphCall(() => this.graph.subscribeApp(verified.pageId, input.accessToken, fields));

    // Without subscribing now, a Page that had a subscription keeps it; a new one waits for the health job.
    const existing = subscribe ? null : await this.repository.findByPageId(verified.pageId);
    const subscribed =
      subscribe ||
      (existing !== null && existing.status !== 'removed' && existing.subscribedFields.length > 0);
    const change = await this.repository.saveRegistration({
      pageId: verified.pageId,
      name: verified.name,
      token: verified.record,
      status: subscribed ? 'active' : 'unsubscribed',
      statusReason: subscribed ? null : 'registered without subscribing the app',
      subscribedFields: subscribe ? fields : null,
      subscribedAt: subscribe ? new Date() : null,
      bot: input.bot,
    });
    this.pages.committed(change);
    // A new Page has no alerts yet; a re-registered one may (its old token, a pause, its subscription).
    if (change.previous !== null) {
      await this.pages.resolveAlerts(verified.pageId, [
        AlertKind.PageTokenInvalid,
        AlertKind.PagePermissionMissing,
        AlertKind.PagePaused,
        ...(subscribe ? [AlertKind.PageUnsubscribed] : []),
      ]);
    }
    this.logger.log(
      {
        pageId: verified.pageId,
        created: change.previous === null,
        previous: change.previous,
        subscribed: subscribe,
      },
      'Page registered',
    );
    return { page: toPageView(change.page), created: change.previous === null };
  }

  /**
   * Exchanges the user token for a long-lived one (its Page tokens then do not expire), lists every
   * Page of /me/accounts and registers each. One Page's failure does not undo the others.
   */
  async importFromUser(input: { userAccessToken: string; pageIds?: string[] }): Promise<ImportResult> {
    const longLived = await graphCall(() => this.graph.exchangeForLongLivedUserToken(input.userAccessToken));
    const accounts = await graphCall(() => this.graph.listPageAccounts(longLived.accessToken));

    const wanted = input.pageIds ? new Set(input.pageIds) : null;
    const targets = wanted ? accounts.filter((a) => wanted.has(a.id)) : accounts;
    const listed = new Set(accounts.map((a) => a.id));
    const notFound: ImportedPageResult[] = [...(wanted ?? [])]
      .filter((id) => !listed.has(id))
      .map((pageId) => ({
        pageId,
        name: null,
        result: 'failed',
        code: 'not_found_in_accounts',
        reason: 'The user token does not list this Page in /me/accounts',
      }));

    const registered = await mapWithConcurrency(
      targets,
      this.config.importConcurrency,
      async (account): Promise<ImportedPageResult> => {
        try {
          const { created } = await this.register({ accessToken: account.accessToken, pageId: account.id });
          return { pageId: account.id, name: account.name, result: created ? 'registered' : 'updated' };
        } catch (error) {
          if (error instanceof DomainError) {
            return {
              pageId: account.id,
              name: account.name,
              result: 'failed',
              code: error.code,
              reason: error.message,
            };
          }
          this.logger.error(
            { pageId: account.id, err: { type: (error as Error)?.name } },
            'Page import failed unexpectedly',
          );
          return {
            pageId: account.id,
            name: account.name,
            result: 'failed',
            code: 'internal_error',
            reason: 'Unexpected error',
          };
        }
      },
    );

    const results = [...registered, ...notFound];
    const summary = { registered: 0, updated: 0, failed: 0 };
    for (const r of results) summary[r.result]++;
    this.logger.log({ listed: accounts.length, ...summary }, 'Pages imported');
    return { results, summary };
  }

  private fieldsFor(requested: string[] | undefined): string[] {
    if (requested === undefined) return this.config.subscribedFields;
    const unknown = requested.filter((f) => !isKnownWebhookField(f));
    if (unknown.length > 0) {
      throw new InvalidRequestError(
        `Unknown subscribed field(s): ${unknown.join(', ')}`,
        'unknown_subscribed_fields',
        {
          fields: ['subscribedFields'],
          unknownFields: unknown,
        },
      );
    }
    return [...new Set(requested)];
  }
}
