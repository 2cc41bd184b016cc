import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertKind } from '../alerts/alert-kind';
import { AlertsService } from '../alerts/alerts.service';
import { inboundConfig, type InboundConfig } from '../config/inbound.config';
import { redactText } from '../logging/redact';
import { ConversationLocks, type ConversationClaim } from './conversation-locks';
import { EventDispatcher, HandlerFailure } from './event-dispatcher';
import { InboxClaimsRepository, type ClaimedEvent, type ConversationRef } from './inbox-claims.repository';
import { InboundMetrics } from './inbound.metrics';
import { InboundWakeups } from './inbound-wakeups';

const MAX_ERROR_CHARS = 2_000;
// Claim, drain, release, look again: bounded so a conversation that keeps growing yields its slot.
const MAX_ROUNDS = 20;
const EARLY_WAKEUP_TOLERANCE_MS = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Whether a conversation head (see findConversationOf) can be handled now, or nearly. */
const isDue = (dueAt: Date | null | undefined): boolean =>
  dueAt !== undefined && (dueAt === null || dueAt.getTime() - Date.now() <= EARLY_WAKEUP_TOLERANCE_MS);

/**
 * Handles one conversation's open inbox rows, oldest first, while holding its claim. The wake-up
 * job only names a row: whichever worker holds the conversation handles every row of it, and a job
 * that finds the conversation claimed, or nothing due, is a no-op. The rows' status is the truth.
 */
@Injectable()
export class ConversationDrainer {
  private readonly logger = new Logger(ConversationDrainer.name);

  constructor(
    private readonly claims: InboxClaimsRepository,
    private readonly locks: ConversationLocks,
    private readonly dispatcher: EventDispatcher,
    private readonly alerts: AlertsService,
    private readonly metrics: InboundMetrics,
    private readonly wakeups: InboundWakeups,
    @Inject(inboundConfig.KEY) private readonly config: InboundConfig,
  ) {}

  /** Entry point of a HandleEvent job. */
  async drainConversationOf(eventId: string): Promise<void> {
    const found = await this.claims.findConversationOf(eventId);
    if (!found || !isDue(found.dueAt)) return;
    const { ref } = found;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const claim = await this.locks.tryClaim(ref);
      if (!claim) {
        // The holder looks again after releasing, so this row is not stranded.
        this.metrics.count('skipped_busy');
        return;
      }
      try {
        await this.drain(ref, claim);
      } finally {
        await claim.release();
      }
      // A row stored after the holder's last look, whose job found the conversation claimed, is ours.
      if (!isDue(await this.claims.findHeadDueAt(ref))) return;
    }
    // Still due after many rounds: let another job continue, behind the rest of the queue.
    await this.wakeups.wake([eventId], 'continue');
  }

  private async drain(ref: ConversationRef, claim: ConversationClaim): Promise<void> {
    while (!claim.lost) {
      const head = await this.claims.claimHead(ref);
      if (head.kind === 'empty') return;
      if (head.kind === 'waiting') {
        const waitMs = head.until.getTime() - Date.now();
        // A delayed job may fire a little early; waiting here beats scheduling another one.
        if (waitMs <= EARLY_WAKEUP_TOLERANCE_MS) {
          await sleep(Math.max(waitMs, 1));
          continue;
        }
        // Waiting out a backoff: make sure its wake-up exists (same id as when it was scheduled).
        await this.wakeups.retryLater(head.headId, head.attempts, head.until);
        return;
      }
      if (!(await this.handle(head.event))) return;
    }
  }

  /** Handles one claimed row; false when the conversation must stop behind it (a retry is scheduled). */
  private async handle(row: ClaimedEvent): Promise<boolean> {
    const attempt = row.attempts;
    try {
      const result = await this.dispatcher.dispatch(row);
      if (result.outcome === 'ignored') {
        await this.claims.markIgnored(row.id, attempt, result.reason);
        this.metrics.count('ignored', result.reason);
      } else {
        const saved = await this.claims.markDone(row.id, attempt);
        if (!saved) this.logger.warn({ eventId: row.id }, 'Handled an event whose claim had moved on');
        this.metrics.count(result.outcome);
      }
      return true;
    } catch (error) {
      if (error instanceof HandlerFailure) return this.onHandlerFailure(row, attempt, error);
      // The database or another dependency failed around the handler: not the event's fault, so the
      // attempt is given back and the job fails (the retry below, or the reviver, wakes it again).
      const dueAt = new Date(Date.now() + this.config.retryBaseMs);
      const givenBack = await this.claims.giveBack(row.id, attempt, dueAt).catch(() => false);
      if (givenBack) await this.wakeups.retryLater(row.id, attempt - 1, dueAt);
      else this.logger.warn({ eventId: row.id }, 'Could not give the event back; the reviver will pick it up');
      throw error;
    }
  }

  private async onHandlerFailure(row: ClaimedEvent, attempt: number, failure: HandlerFailure): Promise<boolean> {
    const message = redactText(failure.message).slice(0, MAX_ERROR_CHARS);
    const cause = failure.cause instanceof Error ? failure.cause : undefined;
    const logFields = {
      eventId: row.id,
      pageId: row.pageId,
      type: row.eventType,
      attempt,
      error: { type: cause?.name, message: redactText(cause?.message ?? message), stack: cause?.stack },
    };
    if (attempt >= this.config.maxAttempts) {
      await this.claims.markFailed(row.id, attempt, message);
      this.metrics.count('failed');
      this.logger.error(logFields, 'Event handler failed for the last time; the conversation moves on');
      await this.alerts.raise({
        kind: AlertKind.EventFailed,
        severity: 'warning',
        pageId: row.pageId,
        title: `An event of Page ${row.pageId} failed after ${attempt} attempts`,
        details: { eventId: row.id, eventType: row.eventType, handler: failure.handler, attempts: attempt, error: message },
      });
      return true;
    }
    const delay = Math.min(this.config.retryBaseMs * 2 ** (attempt - 1), this.config.retryMaxMs);
    const dueAt = new Date(Date.now() + delay);
    await this.claims.markRetry(row.id, attempt, message, dueAt);
    this.metrics.count('retried');
    this.logger.warn({ ...logFields, retryInMs: delay }, 'Event handler threw; retrying, the conversation waits');
    await this.wakeups.retryLater(row.id, attempt, dueAt);
    return false;
  }
}
