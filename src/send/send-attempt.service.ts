import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { AlertsService } from '../alerts/alerts.service';
import { sendConfig, type SendConfig } from '../config/send.config';
import { GraphApiClient } from '../graph/graph-api.client';
import { GraphApiError } from '../graph/graph-api.error';
import type { SendApiRequest } from '../graph/graph-api.types';
import { PageNotFoundError, PageTokenUnavailableError } from '../pages/pages.errors';
import { PagesService, type PageCredentials } from '../pages/pages.service';
import type { OutboundError, OutboundMessage } from './outbound-message.entity';
import { OutboxRepository } from './outbox.repository';
import { PageSendLimiter } from './page-send-limiter';
import { toSendApiRecipient } from './recipient-resolver';
import { decideOnError, describeSendError, retryDelayMs, throttleDelayMs } from './send-error-policy';
import { sendFailedAlert } from './send-failed.alert';
import { SendScheduler } from './send-scheduler';

const HOLDING_STATUSES = new Set(['paused', 'token_invalid']);
// Recording a successful send is retried briefly: every failure here is a possible duplicate later.
const MARK_SENT_TRIES = 3;
const MARK_SENT_PAUSE_MS = 250;
/**
 * A job sends its lane's next messages itself, as long as each is due when the previous one leaves
 * the lane (no Bull job per follow-up message), up to this many; then the lane goes back to the end
 * of the queue, so that one busy lane does not hold a worker slot while other lanes wait.
 */
export const LANE_RUN_MAX = 20;

/** What happened to a claimed message: the lane's next message to start now, or nothing to go on with. */
type Outcome = { nextId: string | null };
const STOP: Outcome = { nextId: null };

/**
 * One job's attempts: a claimed message gets one Graph call at most, and the outcome is recorded as
 * the policy table (send-error-policy.ts) decides; when the message left its lane (sent, failed), the
 * lane's next message follows in the same job (LANE_RUN_MAX).
 *
 * Duplicates: Facebook's Send API has no idempotency key, so "exactly once" is not reachable; what is
 * bounded is when a message can go twice. (1) A worker dies (or loses Postgres) after Facebook
 * accepted the call and before `sent` is recorded: the row stays `sending` and the sweep re-queues it
 * after SEND_STALE_SENDING_SECONDS. Only the message in flight can be affected, at most one per lane
 * (the one-in-flight index), and at most once per stale period per crash. (2) A timeout after
 * Facebook did deliver is retried like any transient failure. Retries themselves never duplicate: a
 * message is sent again only after Facebook answered with an error.
 */
@Injectable()
export class SendAttemptService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SendAttemptService.name);
  private stopping = false;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly scheduler: SendScheduler,
    private readonly limiter: PageSendLimiter,
    private readonly pages: PagesService,
    private readonly graph: GraphApiClient,
    private readonly alerts: AlertsService,
    @Inject(sendConfig.KEY) private readonly config: SendConfig,
  ) {}

  // A lane being sent hands its next message back to the queue instead of keeping the process busy.
  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  async run(messageId: string): Promise<void> {
    // Finished, held (released by the Page's return), in flight elsewhere, not due, or not its turn
    // (the lane starts it when the earlier message leaves): null, nothing to do.
    let claim = await this.outbox.claim(messageId);
    for (let sent = 1; claim; sent++) {
      const { nextId } = await this.attempt(claim);
      if (!nextId) return;
      if (sent >= LANE_RUN_MAX || this.stopping) {
        await this.scheduler.wakeLane(claim.pageId, claim.recipientKey);
        return;
      }
      claim = await this.outbox.claim(nextId);
    }
  }

  private async attempt(claim: OutboundMessage): Promise<Outcome> {
    let credentials: PageCredentials;
    try {
      credentials = await this.pages.getCachedCredentials(claim.pageId);
      // The cache may not have seen a resume committed elsewhere: a hold is decided on a fresh read.
      if (HOLDING_STATUSES.has(credentials.status))
        credentials = await this.pages.getCredentials(claim.pageId);
    } catch (error) {
      return this.settleWithoutCredentials(claim, error);
    }
    if (HOLDING_STATUSES.has(credentials.status)) {
      await this.outbox.holdClaimed(claim);
      return STOP;
    }

    const waitMs = await this.limiter.take(claim.pageId);
    if (waitMs > 0) {
      const postponed = await this.outbox.unclaim(claim, waitMs);
      if (postponed) await this.scheduler.enqueue(postponed, waitMs);
      return STOP;
    }

    let result: { messageId?: string };
    try {
      result = await this.graph.sendMessage(credentials.accessToken, toSendApiRequest(claim));
    } catch (error) {
      return this.recordFailure(claim, error, credentials.accessToken);
    }
    return this.recordSent(claim, result.messageId ?? null);
  }

  /** No credentials: the Page is gone (the message fails), its token cannot be opened (held), or Postgres failed. */
  private async settleWithoutCredentials(claim: OutboundMessage, error: unknown): Promise<Outcome> {
    if (
      error instanceof PageNotFoundError ||
      (error instanceof PageTokenUnavailableError && error.reason === 'removed')
    ) {
      const failed = await this.outbox.markFailed(claim, pageGoneError(), { refundAttempt: true });
      return { nextId: failed?.nextId ?? null };
    }
    if (error instanceof PageTokenUnavailableError) {
      // The token cannot be decrypted with the configured keys: an operator fixes the keys or the
      // token; until then nothing is lost.
      this.logger.error(
        { pageId: claim.pageId, messageId: claim.id },
        'Page token cannot be opened; message held',
      );
      await this.outbox.holdClaimed(claim, {
        kind: 'page',
        message: "The Page's token cannot be decrypted with the configured TOKEN_ENCRYPTION_KEYS",
        hint: 'Restore the key the token was encrypted with, or register a new token (PATCH /admin/pages/:pageId).',
      });
      return STOP;
    }
    // No call was made: the attempt is given back if Postgres allows, else the sweep recovers the claim.
    await this.outbox.unclaim(claim, 0).catch(() => undefined);
    throw error;
  }

  private async recordSent(claim: OutboundMessage, fbMessageId: string | null): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        const sent = await this.outbox.markSent(claim, fbMessageId);
        return { nextId: sent?.nextId ?? null };
      } catch (error) {
        if (attempt >= MARK_SENT_TRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, MARK_SENT_PAUSE_MS * attempt));
      }
    }
  }

  private async recordFailure(claim: OutboundMessage, error: unknown, usedToken: string): Promise<Outcome> {
    const decision = decideOnError(error);
    const described = describeSendError(error, claim.recipient);
    switch (decision.action) {
      case 'retry': {
        if (claim.attempts >= this.config.maxAttempts) {
          return this.fail(
            claim,
            { ...described, message: `${described.message} (gave up after ${claim.attempts} attempts)` },
            true,
          );
        }
        const delayMs = retryDelayMs(claim.attempts, this.config.retryBaseMs, this.config.retryMaxMs);
        const queued = await this.outbox.scheduleRetry(claim, described, delayMs, {
          refundAttempt: false,
          throttled: false,
        });
        if (queued) await this.scheduler.enqueue(queued, delayMs);
        return STOP;
      }
      case 'throttle': {
        const throttled = claim.throttledCount + 1;
        if (throttled > this.config.maxThrottled) {
          return this.fail(
            claim,
            { ...described, message: `${described.message} (throttled ${throttled} times)` },
            true,
          );
        }
        const delayMs = throttleDelayMs(error, throttled, this.config.throttleBaseMs, this.config.retryMaxMs);
        await this.limiter.slowDown(claim.pageId, delayMs);
        const queued = await this.outbox.scheduleRetry(claim, described, delayMs, {
          refundAttempt: true,
          throttled: true,
        });
        if (queued) await this.scheduler.enqueue(queued, delayMs);
        return STOP;
      }
      case 'fail':
        return this.fail(claim, described, decision.alert);
      case 'hold': {
        if (decision.page === 'token_invalid' && (await this.tokenReplacedSince(claim.pageId, usedToken))) {
          // The call used a token an operator has replaced meanwhile: not a reason to stop the Page.
          const queued = await this.outbox.scheduleRetry(claim, described, 0, {
            refundAttempt: true,
            throttled: false,
          });
          if (queued) await this.scheduler.enqueue(queued);
          return STOP;
        }
        await this.outbox.holdClaimed(claim, described);
        const graphError = error instanceof GraphApiError ? error : undefined;
        try {
          if (decision.page === 'paused') {
            await this.pages.pauseForPolicy(
              claim.pageId,
              `Send API refused: ${described.message}`,
              graphError,
            );
          } else {
            await this.pages.markTokenInvalid(
              claim.pageId,
              `Send API refused the token: ${described.message}`,
              graphError,
            );
          }
        } catch (pageError) {
          this.logger.error(
            { pageId: claim.pageId, err: { message: (pageError as Error)?.message } },
            'Could not record the Page problem; messages stay held',
          );
        }
        return STOP;
      }
    }
  }

  /** Read fresh (which also renews the cached credentials, so the retry uses the new token). */
  private async tokenReplacedSince(pageId: string, usedToken: string): Promise<boolean> {
    try {
      return (await this.pages.getCredentials(pageId)).accessToken !== usedToken;
    } catch {
      return false;
    }
  }

  /** The lane moves on once the failure is fully handled (alert included). */
  private async fail(claim: OutboundMessage, error: OutboundError, alert: boolean): Promise<Outcome> {
    const failed = await this.outbox.markFailed(claim, error);
    if (failed && alert) {
      await this.alerts.raise(sendFailedAlert(failed.message, error));
    }
    return { nextId: failed?.nextId ?? null };
  }
}

export function toSendApiRequest(message: OutboundMessage): SendApiRequest {
  const request: SendApiRequest = { recipient: toSendApiRecipient(message.recipient) };
  if ('senderAction' in message.payload) {
    request.sender_action = message.payload.senderAction;
  } else {
    request.message = message.payload.message;
  }
  if (message.messagingType) request.messaging_type = message.messagingType;
  if (message.tag) request.tag = message.tag;
  if (message.notificationType) request.notification_type = message.notificationType;
  return request;
}

function pageGoneError(): OutboundError {
  return {
    kind: 'page',
    message: 'The Page is no longer registered (removed), so the message cannot be sent',
    hint: 'Register the Page again (POST /admin/pages), then retry the message (POST /admin/messages/:id/retry).',
  };
}
