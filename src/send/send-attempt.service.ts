import { Inject, Injectable, Logger } from '@nestjs/common';
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
import { SendScheduler } from './send-scheduler.service';

const HOLDING_STATUSES = new Set(['paused', 'token_invalid']);
// Recording a successful send is retried briefly: every failure here is a possible duplicate later.
const MARK_SENT_TRIES = 3;
const MARK_SENT_PAUSE_MS = 250;

/**
 * One attempt at one outbox message (one Graph call at most), then the outcome recorded as the
 * policy table (send-error-policy.ts) decides.
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
export class SendAttemptService {
  private readonly logger = new Logger(SendAttemptService.name);

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly scheduler: SendScheduler,
    private readonly limiter: PageSendLimiter,
    private readonly pages: PagesService,
    private readonly graph: GraphApiClient,
    private readonly alerts: AlertsService,
    @Inject(sendConfig.KEY) private readonly config: SendConfig,
  ) {}

  async run(messageId: string): Promise<void> {
    const message = await this.outbox.findById(messageId);
    // Finished, held (released by the Page's return), or in flight in another worker: nothing to do.
    if (!message || message.status !== 'queued') return;

    const credentials = await this.credentialsFor(message);
    if (!credentials) return;
    if (HOLDING_STATUSES.has(credentials.status)) {
      await this.outbox.holdQueued(message.id);
      return;
    }
    // Not this message's turn: it is woken when the earlier message of its lane finishes.
    if (!(await this.outbox.isLaneHead(message))) return;

    const waitMs = await this.limiter.take(message.pageId);
    if (waitMs > 0) {
      const postponed = await this.outbox.postpone(message.id, waitMs);
      if (postponed) await this.scheduler.enqueue(postponed, waitMs);
      return;
    }

    const claim = await this.outbox.claim(message.id);
    if (!claim) return;
    let result: { messageId?: string };
    try {
      result = await this.graph.sendMessage(credentials.accessToken, toSendApiRequest(claim));
    } catch (error) {
      await this.recordFailure(claim, error, credentials.accessToken);
      return;
    }
    await this.recordSent(claim, result.messageId ?? null);
  }

  /** The Page's token and status; null when the message was settled here (its Page is gone). */
  private async credentialsFor(message: OutboundMessage): Promise<PageCredentials | null> {
    try {
      const credentials = await this.pages.getCachedCredentials(message.pageId);
      // The cache may not have seen a resume committed elsewhere: a hold is decided on a fresh read.
      return HOLDING_STATUSES.has(credentials.status)
        ? await this.pages.getCredentials(message.pageId)
        : credentials;
    } catch (error) {
      if (
        error instanceof PageNotFoundError ||
        (error instanceof PageTokenUnavailableError && error.reason === 'removed')
      ) {
        await this.finish(message, await this.outbox.failQueued(message.id, pageGoneError()));
        return null;
      }
      if (error instanceof PageTokenUnavailableError) {
        // The token cannot be decrypted with the configured keys: an operator fixes the keys or the
        // token; until then nothing is lost.
        this.logger.error(
          { pageId: message.pageId, messageId: message.id },
          'Page token cannot be opened; message held',
        );
        await this.outbox.holdQueued(message.id, {
          kind: 'page',
          message: "The Page's token cannot be decrypted with the configured TOKEN_ENCRYPTION_KEYS",
          hint: 'Restore the key the token was encrypted with, or register a new token (PATCH /admin/pages/:pageId).',
        });
        return null;
      }
      throw error;
    }
  }

  private async recordSent(claim: OutboundMessage, fbMessageId: string | null): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const sent = await this.outbox.markSent(claim, fbMessageId);
        await this.finish(claim, sent);
        return;
      } catch (error) {
        if (attempt >= MARK_SENT_TRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, MARK_SENT_PAUSE_MS * attempt));
      }
    }
  }

  private async recordFailure(claim: OutboundMessage, error: unknown, usedToken: string): Promise<void> {
    const decision = decideOnError(error);
    const described = describeSendError(error, claim.recipient);
    switch (decision.action) {
      case 'retry': {
        if (claim.attempts >= this.config.maxAttempts) {
          await this.fail(
            claim,
            { ...described, message: `${described.message} (gave up after ${claim.attempts} attempts)` },
            true,
          );
          return;
        }
        const delayMs = retryDelayMs(claim.attempts, this.config.retryBaseMs, this.config.retryMaxMs);
        const queued = await this.outbox.scheduleRetry(claim, described, delayMs, {
          refundAttempt: false,
          throttled: false,
        });
        if (queued) await this.scheduler.enqueue(queued, delayMs);
        return;
      }
      case 'throttle': {
        const throttled = claim.throttledCount + 1;
        if (throttled > this.config.maxThrottled) {
          await this.fail(
            claim,
            { ...described, message: `${described.message} (throttled ${throttled} times)` },
            true,
          );
          return;
        }
        const delayMs = throttleDelayMs(error, throttled, this.config.throttleBaseMs, this.config.retryMaxMs);
        await this.limiter.slowDown(claim.pageId, delayMs);
        const queued = await this.outbox.scheduleRetry(claim, described, delayMs, {
          refundAttempt: true,
          throttled: true,
        });
        if (queued) await this.scheduler.enqueue(queued, delayMs);
        return;
      }
      case 'fail':
        await this.fail(claim, described, decision.alert);
        return;
      case 'hold': {
        if (decision.page === 'token_invalid' && (await this.tokenReplacedSince(claim.pageId, usedToken))) {
          // The call used a token an operator has replaced meanwhile: not a reason to stop the Page.
          const queued = await this.outbox.scheduleRetry(claim, described, 0, {
            refundAttempt: true,
            throttled: false,
          });
          if (queued) await this.scheduler.enqueue(queued);
          return;
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
        return;
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

  private async fail(claim: OutboundMessage, error: OutboundError, alert: boolean): Promise<void> {
    const failed = await this.outbox.markFailed(claim, error);
    if (failed && alert) {
      await this.alerts.raise(sendFailedAlert(failed, error));
    }
    await this.finish(claim, failed);
  }

  /** A message left its lane (sent, failed): the next one of the lane may go. */
  private async finish(message: OutboundMessage, finished: OutboundMessage | null): Promise<void> {
    if (finished) await this.scheduler.wakeLane(message.pageId, message.recipientKey);
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
