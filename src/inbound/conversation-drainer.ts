import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AlertKind } from '../alerts/alert-kind';
import { AlertsService } from '../alerts/alerts.service';
import { inboundConfig, type InboundConfig } from '../config/inbound.config';
import { ConversationsService } from '../conversations/conversations.service';
import { redactText } from '../logging/redact';
import type { OutboundMessage } from '../send/outbound-message.entity';
import { SendService } from '../send/send.service';
import { ConversationLocks, type ConversationClaim } from './conversation-locks';
import { EventDispatcher } from './event-dispatcher';
import { HandlerFailure } from './inbound.errors';
import { InboundBatch } from './inbound-batch';
import {
  InboxClaimsRepository,
  type ClaimedEvent,
  type ConversationRef,
  type RowOutcome,
} from '../inbox/inbox-claims.repository';
import { InboundMetrics } from './inbound.metrics';
import { InboxWakeups } from '../inbox/inbox-wakeups';

const MAX_ERROR_CHARS = 2_000;
// Claim, drain, release, look again: bounded so a conversation that keeps growing yields its slot.
const MAX_ROUNDS = 20;
// Events of one conversation handled per transaction: up to BATCH_MAX when handlers are quick, so the
// commit is amortized when a conversation is busy; a batch closes once its handlers have run for
// BATCH_BUDGET_MS, so a crash (which runs the uncommitted handlers again) repeats little work.
const BATCH_MAX = 50;
const BATCH_BUDGET_MS = 50;
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
    private readonly wakeups: InboxWakeups,
    private readonly conversations: ConversationsService,
    private readonly send: SendService,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(inboundConfig.KEY) private readonly config: InboundConfig,
  ) {}

  /**
   * Entry point of a HandleEvent job. A job that names its conversation (the webhook's) goes straight
   * to the claim, which finds out whether anything is due; otherwise the row leads to it.
   */
  async drainConversationOf(eventId: string, known?: ConversationRef): Promise<void> {
    let ref = known;
    if (!ref) {
      const found = await this.claims.findConversationOf(eventId);
      if (!found || !isDue(found.dueAt)) return;
      ref = found.ref;
    }
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const claim = await this.locks.tryClaim(ref);
      if (!claim) {
        // The holder looks again after releasing, so this row is not stranded.
        this.metrics.count('skipped_busy');
        return;
      }
      try {
        await this.drain(ref, claim);
      } catch (error) {
        await claim.release();
        throw error;
      }
      // A row stored after the holder's last look, whose job found the conversation claimed, is ours:
      // look again right after the release, in the same round trip.
      const [head] = await claim.releaseThen<{ next_attempt_at: Date | null }>(
        this.claims.headDueAtQuery(ref),
      );
      if (!isDue(head === undefined ? undefined : head.next_attempt_at)) return;
    }
    // Still due after many rounds: let another job continue, behind the rest of the queue.
    await this.wakeups.wakeAgain([eventId], 'continue');
  }

  private async drain(ref: ConversationRef, claim: ConversationClaim): Promise<void> {
    // Claimed rows a batch does not reach are given back: size the claim by what the last batch took.
    let claimSize = 4;
    while (!claim.lost) {
      const batch = await this.claims.claimBatch(ref, claimSize);
      if (batch.kind === 'empty') return;
      if (batch.kind === 'waiting') {
        const waitMs = batch.until.getTime() - Date.now();
        // A delayed job may fire a little early; waiting here beats scheduling another one.
        if (waitMs <= EARLY_WAKEUP_TOLERANCE_MS) {
          await sleep(Math.max(waitMs, 1));
          continue;
        }
        // Waiting out a backoff: make sure its wake-up exists (same id as when it was scheduled).
        await this.wakeups.retryLater(batch.headId, batch.attempts, batch.until);
        return;
      }
      const { handled, more } = await this.handleBatch(batch.events);
      if (!more) return;
      claimSize = handled < batch.events.length ? Math.max(1, handled) : Math.min(BATCH_MAX, claimSize * 2);
    }
  }

  /**
   * Handles a batch of the conversation's events in order, then commits every outcome, the people's
   * actions and the staged replies in one transaction (a transactional outbox: a crash leaves either
   * all of it or none, and the events are handled again). A handler that throws stops the batch at its
   * event: the events before it are done (their replies sent once), it is retried, the rest wait.
   * Says how many events it handled, and whether the conversation may go on (not behind a retry).
   */
  private async handleBatch(events: readonly ClaimedEvent[]): Promise<{ handled: number; more: boolean }> {
    const batch = new InboundBatch();
    const outcomes: RowOutcome[] = [];
    const afterCommit: Array<() => Promise<void>> = [];
    const startedAt = Date.now();
    let stopped = false;
    let handled = 0;
    let unexpected: Error | undefined;
    for (const row of events) {
      if (stopped || (handled > 0 && Date.now() - startedAt >= BATCH_BUDGET_MS)) {
        outcomes.push({ kind: 'give_back', id: row.id, attempts: row.attempts, nextAttemptAt: null });
        continue;
      }
      handled++;
      try {
        const result = await this.dispatcher.dispatch(row, batch);
        batch.keepEvent();
        if (result.outcome === 'ignored') {
          outcomes.push({ kind: 'ignored', id: row.id, attempts: row.attempts, error: result.reason });
          this.metrics.count('ignored', result.reason);
        } else {
          outcomes.push({ kind: 'done', id: row.id, attempts: row.attempts });
          this.metrics.count(result.outcome);
        }
      } catch (error) {
        batch.dropEvent();
        if (error instanceof HandlerFailure) {
          const failure = this.onHandlerFailure(row, error);
          outcomes.push(failure.outcome);
          afterCommit.push(failure.then);
          stopped = failure.outcome.kind === 'retry';
          continue;
        }
        // The database or another dependency failed around the handler: not the event's fault, so the
        // attempt is given back; what came before is still committed.
        const dueAt = new Date(Date.now() + this.config.retryBaseMs);
        outcomes.push({ kind: 'give_back', id: row.id, attempts: row.attempts, nextAttemptAt: dueAt });
        afterCommit.push(() => this.wakeups.retryLater(row.id, row.attempts - 1, dueAt));
        unexpected = error instanceof Error ? error : new Error(String(error));
        stopped = true;
      }
    }

    let inserted: OutboundMessage[] = [];
    await this.dataSource.transaction(async (manager) => {
      const changed = await this.claims.finishBatch(manager, outcomes);
      if (changed < outcomes.length) {
        this.logger.warn({ expected: outcomes.length, changed }, 'Handled events whose claim had moved on');
      }
      await this.conversations.recordUserEvents(manager, batch.userEvents);
      inserted = await this.send.insertStaged(manager, batch.staged);
    });
    await this.send.scheduleInserted(inserted);
    for (const then of afterCommit) await then();
    if (unexpected !== undefined) throw unexpected;
    return { handled, more: !stopped };
  }

  /** The outcome of a throwing handler, and what to do once it is committed (alert, retry wake-up). */
  private onHandlerFailure(
    row: ClaimedEvent,
    failure: HandlerFailure,
  ): { outcome: RowOutcome; then: () => Promise<void> } {
    const attempt = row.attempts;
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
      this.metrics.count('failed');
      this.logger.error(logFields, 'Event handler failed for the last time; the conversation moves on');
      return {
        outcome: { kind: 'failed', id: row.id, attempts: attempt, error: message },
        then: () =>
          this.alerts.raise({
            kind: AlertKind.EventFailed,
            severity: 'warning',
            pageId: row.pageId,
            title: `An event of Page ${row.pageId} failed after ${attempt} attempts`,
            details: {
              eventId: row.id,
              eventType: row.eventType,
              handler: failure.handler,
              attempts: attempt,
              error: message,
            },
          }),
      };
    }
    const delay = Math.min(this.config.retryBaseMs * 2 ** (attempt - 1), this.config.retryMaxMs);
    const dueAt = new Date(Date.now() + delay);
    this.metrics.count('retried');
    this.logger.warn(
      { ...logFields, retryInMs: delay },
      'Event handler threw; retrying, the conversation waits',
    );
    return {
      outcome: { kind: 'retry', id: row.id, attempts: attempt, error: message, nextAttemptAt: dueAt },
      then: () => this.wakeups.retryLater(row.id, attempt, dueAt),
    };
  }
}
