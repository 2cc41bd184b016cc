import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertKind } from '../alerts/alert-kind';
import { AlertsService } from '../alerts/alerts.service';
import { messengerConfig, type MessengerConfig } from '../config/messenger.config';
import { pagesConfig, REQUIRED_PAGE_SCOPES, type PagesConfig } from '../config/pages.config';
import { GraphApiClient } from '../graph/graph-api.client';
import type { TokenDebugInfo } from '../graph/graph-api.types';
import { GraphApiError } from '../graph/graph-api.error';
import { mapWithConcurrency } from './concurrency';
import { PageLifecycleService } from './page-lifecycle.service';
import type { PageHealthProblem, PageHealthReport } from './page-health.report';
import type { Page } from './page.entity';
import { PageTokenUnavailableError, toDomainError } from './pages.errors';
import { PagesRepository } from './pages.repository';
import { PagesService } from './pages.service';

export type PageCheckOutcome = 'healthy' | 'repaired' | 'token_invalid' | 'unhealthy' | 'skipped' | 'failed';

export interface PagesCheckSummary {
  checked: number;
  outcomes: Record<PageCheckOutcome, number>;
}

const isTokenRejection = (error: unknown): error is GraphApiError =>
  error instanceof GraphApiError && error.isTokenInvalid;
const isUnreachable = (error: unknown): error is GraphApiError =>
  error instanceof GraphApiError &&
  (error.httpStatus === undefined || error.kind === 'transient' || error.kind === 'throttled');

/**
 * Checks a Page's token (validity, expiry, scopes) and subscription (our app present with every
 * field) against the Graph API. The admin endpoint reports; the periodic job also repairs.
 */
@Injectable()
export class PageHealthService {
  private readonly logger = new Logger(PageHealthService.name);

  constructor(
    private readonly graph: GraphApiClient,
    private readonly repository: PagesRepository,
    private readonly pages: PagesService,
    private readonly lifecycle: PageLifecycleService,
    private readonly alerts: AlertsService,
    @Inject(pagesConfig.KEY) private readonly config: PagesConfig,
    @Inject(messengerConfig.KEY) private readonly messenger: MessengerConfig,
  ) {}

  /** A live report for the admin API, stored on the Page. Graph unreachable: 502, nothing stored. */
  async report(pageId: string): Promise<PageHealthReport> {
    const page = this.lifecycle.assertNotRemoved(await this.pages.load(pageId));
    const token = this.pages.openToken(page);
    try {
      return (await this.inspect(page, token)).report;
    } catch (error) {
      throw toDomainError(error, 'graph_rejected');
    }
  }

  /** Every active (or unsubscribed) Page, in batches, a bounded number at a time. */
  async checkAll(): Promise<PagesCheckSummary> {
    const outcomes: Record<PageCheckOutcome, number> = {
      healthy: 0,
      repaired: 0,
      token_invalid: 0,
      unhealthy: 0,
      skipped: 0,
      failed: 0,
    };
    let after: string | undefined;
    let checked = 0;
    for (;;) {
      const ids = await this.repository.findIdsToCheck(after, this.config.healthBatchSize);
      if (ids.length === 0) break;
      const results = await mapWithConcurrency(ids, this.config.healthConcurrency, (id) =>
        this.checkAndRepair(id),
      );
      for (const outcome of results) outcomes[outcome]++;
      checked += ids.length;
      after = ids[ids.length - 1];
    }
    this.logger.log({ checked, ...outcomes }, 'Pages health check finished');
    return { checked, outcomes };
  }

  /** One Page of the periodic job; never throws. */
  async checkAndRepair(pageId: string): Promise<PageCheckOutcome> {
    try {
      const page = await this.repository.findByPageId(pageId);
      if (!page || (page.status !== 'active' && page.status !== 'unsubscribed')) return 'skipped';
      return await this.repair(page);
    } catch (error) {
      this.logger.error(
        { pageId, err: { type: (error as Error)?.name, message: (error as Error)?.message } },
        'Page health check failed',
      );
      return 'failed';
    }
  }

  private async repair(page: Page): Promise<PageCheckOutcome> {
    const { pageId } = page;
    let token: string;
    try {
      token = this.pages.openToken(page);
    } catch (error) {
      if (!(error instanceof PageTokenUnavailableError)) throw error;
      // A key problem, not Facebook's verdict: the status stays, the operator is told.
      await this.alerts.raise({
        kind: AlertKind.PageTokenInvalid,
        severity: 'critical',
        pageId,
        title: `Page ${pageId} token cannot be decrypted`,
        details: { reason: error.reason, message: error.message },
      });
      return 'failed';
    }

    let inspection: Awaited<ReturnType<PageHealthService['inspect']>>;
    try {
      inspection = await this.inspect(page, token);
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      this.logger.warn(
        { pageId, graphCode: error.code, httpStatus: error.httpStatus },
        'Page health check skipped: Graph API unavailable',
      );
      return 'skipped';
    }
    const { report, tokenError } = inspection;

    if (report.problems.includes('token_invalid')) {
      await this.pages.markTokenInvalid(
        pageId,
        report.token.error ?? 'the health check found the token invalid',
        tokenError,
      );
      return 'token_invalid';
    }
    await this.pages.resolveAlerts(pageId, [AlertKind.PageTokenInvalid]);

    if (report.problems.includes('permission_missing')) {
      await this.alerts.raise({
        kind: AlertKind.PagePermissionMissing,
        severity: 'critical',
        pageId,
        title: `Page ${pageId} token lacks ${report.token.missingScopes.join(', ')}`,
        details: { missingScopes: report.token.missingScopes, scopes: report.token.scopes },
      });
    } else {
      await this.pages.resolveAlerts(pageId, [AlertKind.PagePermissionMissing]);
    }

    const needsSubscription =
      report.problems.includes('subscription_missing') || report.problems.includes('subscription_incomplete');
    if (needsSubscription) return this.resubscribe(page, token, report);
    if (page.status === 'unsubscribed') {
      const change = await this.repository.transition(pageId, 'active', null, ['unsubscribed']);
      if (change) this.pages.committed(change);
      await this.pages.resolveAlerts(pageId, [AlertKind.PageUnsubscribed]);
    }
    return report.healthy ? 'healthy' : 'unhealthy';
  }

  private async resubscribe(page: Page, token: string, report: PageHealthReport): Promise<PageCheckOutcome> {
    const { pageId } = page;
    await this.alerts.raise({
      kind: AlertKind.PageUnsubscribed,
      severity: 'warning',
      pageId,
      title: `Page ${pageId} lost its webhook subscription; subscribing again`,
      details: {
        subscribed: report.subscription.subscribed,
        missingFields: report.subscription.missingFields,
      },
    });
    const fields = this.desiredFields(page);
    try {
      await this.graph.subscribeApp(pageId, token, fields);
    } catch (error) {
      if (isTokenRejection(error)) {
        await this.pages.markTokenInvalid(pageId, `Facebook rejected the token (${error.code})`, error);
        return 'token_invalid';
      }
      const change = await this.repository.transition(
        pageId,
        'unsubscribed',
        'subscribing the app again failed',
        ['active'],
      );
      if (change) this.pages.committed(change);
      this.logger.warn(
        { pageId, err: error instanceof GraphApiError ? error.toJSON() : { type: (error as Error)?.name } },
        'Page resubscription failed',
      );
      return 'unhealthy';
    }
    await this.repository.recordSubscription(pageId, fields, new Date());
    const change = await this.repository.transition(pageId, 'active', null, ['unsubscribed']);
    if (change) this.pages.committed(change);
    await this.pages.resolveAlerts(pageId, [AlertKind.PageUnsubscribed]);
    this.logger.log({ pageId, missingFields: report.subscription.missingFields }, 'Page subscribed again');
    return 'repaired';
  }

  /** Asks Facebook about the token and the subscription, and stores the report. */
  private async inspect(
    page: Page,
    token: string,
  ): Promise<{ report: PageHealthReport; tokenError?: GraphApiError }> {
    const { pageId } = page;
    const info: TokenDebugInfo = await this.graph.debugToken(token);
    const missingScopes = REQUIRED_PAGE_SCOPES.filter((s) => !info.scopes.includes(s));
    const report: PageHealthReport = {
      pageId,
      checkedAt: new Date().toISOString(),
      healthy: false,
      problems: [],
      token: {
        valid: info.isValid,
        type: info.type,
        expiresAt: info.expiresAt ? info.expiresAt.toISOString() : null,
        scopes: [...info.scopes].sort(),
        missingScopes,
        ...(info.errorMessage ? { error: info.errorMessage } : {}),
      },
      subscription: { subscribed: null, fields: [], missingFields: [] },
    };
    let tokenError: GraphApiError | undefined;
    if (info.isValid) {
      try {
        const ours = (await this.graph.getSubscribedApps(pageId, token)).find(
          (a) => a.id === this.messenger.appId,
        );
        const fields = ours?.subscribedFields ?? [];
        report.subscription = {
          subscribed: Boolean(ours),
          fields: [...fields].sort(),
          missingFields: this.desiredFields(page).filter((f) => !fields.includes(f)),
        };
      } catch (error) {
        if (isUnreachable(error)) throw error;
        if (!(error instanceof GraphApiError)) throw error;
        if (isTokenRejection(error)) {
          tokenError = error;
          report.token.valid = false;
          report.token.error = error.message;
        }
        report.subscription.error = error.toJSON();
      }
    }

    const problems: PageHealthProblem[] = [];
    if (report.token.valid === false) problems.push('token_invalid');
    else {
      if (missingScopes.length > 0) problems.push('permission_missing');
      if (report.subscription.subscribed === false) problems.push('subscription_missing');
      else if (report.subscription.missingFields.length > 0) problems.push('subscription_incomplete');
    }
    report.problems = problems;
    report.healthy = problems.length === 0 && report.subscription.subscribed === true;

    await this.repository.recordHealth(pageId, report, {
      scopes: info.isValid ? report.token.scopes : undefined,
      expiresAt: info.isValid ? info.expiresAt : undefined,
      checkedSubscription: report.subscription.subscribed !== null,
    });
    return { report, tokenError };
  }

  private desiredFields(page: Page): string[] {
    return page.subscribedFields.length > 0 ? page.subscribedFields : this.config.subscribedFields;
  }
}
