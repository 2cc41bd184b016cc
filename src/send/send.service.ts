import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { sendConfig, type SendConfig } from '../config/send.config';
import { ConversationsService } from '../conversations/conversations.service';
import { PageNotFoundError, PageRemovedError } from '../pages/pages.errors';
import { PagesService } from '../pages/pages.service';
import type { OutboundMessage, OutboundStatus } from './outbound-message.entity';
import { OutboxRepository, type NewOutboundMessage } from './outbox.repository';
import { RecipientResolver } from './recipient-resolver';
import { OutsideMessagingWindowError } from './send.errors';
import { normalizeSendInput, type SendInput, type SendOptions } from './send-input';
import { SendScheduler } from './send-scheduler';

export type { SendInput } from './send-input';

/** What the inbound processor knows about a batch it has not committed yet. */
export interface StageHints {
  /** An earlier attempt of the same handler run may have stored its sends (a retry or a re-run). */
  mayExist: boolean;
  /** The latest window-opening action of this PSID in the batch being handled, if any. */
  windowOpenedAt?: (psid: string) => Date | null | undefined;
}

export type StagedRow = NewOutboundMessage & { id: string };

/** A validated send: `row` to insert, or null when an earlier attempt stored it already. */
export interface StagedSend {
  row: StagedRow | null;
  result: SendResult;
}

export interface SendResult {
  id: string;
  /** false when the idempotency key was used before: this is the first message, nothing new was sent. */
  created: boolean;
  status: OutboundStatus;
}

const HOUR_MS = 3_600_000;
const STANDARD_WINDOW_HOURS = 24;
const HUMAN_AGENT_WINDOW_HOURS = 7 * 24;

/** Pages whose messages wait instead of going out (released when the Page is active again). */
const HOLDING_STATUSES = new Set(['paused', 'token_invalid']);

/**
 * The way every module sends through Messenger: the message is stored in the outbox and a job is
 * added; the send processor does the Graph call. Whatever Facebook would refuse on sight is refused
 * here, before anything is stored.
 */
@Injectable()
export class SendService {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly scheduler: SendScheduler,
    private readonly pages: PagesService,
    private readonly conversations: ConversationsService,
    private readonly recipients: RecipientResolver,
    @Inject(sendConfig.KEY) private readonly config: SendConfig,
  ) {}

  async send(input: SendInput): Promise<SendResult> {
    const options = normalizeSendInput(input, this.config.allowedTags);
    // Routing is cached for seconds. A status changed meanwhile in this process is seen at once by the
    // send processor (its credentials cache is invalidated); one changed in another process, within
    // the credentials cache's few seconds (CREDENTIALS_CACHE_MS), and Facebook's answer decides.
    const page = await this.pages.getRouting(input.pageId);
    if (!page) throw new PageNotFoundError(input.pageId);
    if (page.status === 'removed') throw new PageRemovedError(input.pageId);
    const resolved = await this.recipients.resolve(input.pageId, input.recipient);

    if (options.idempotencyKey !== null) {
      // A repeat is answered before the window check: the first call was accepted, so is this one.
      const existing = await this.outbox.findByIdempotencyKey(input.pageId, options.idempotencyKey);
      if (existing) return { id: existing.id, created: false, status: existing.status };
    }
    if (resolved.psid !== null) await this.assertInsideWindow(input.pageId, resolved.psid, options);

    const held = HOLDING_STATUSES.has(page.status);
    const inserted = await this.outbox.insert({
      pageId: input.pageId,
      recipient: resolved.recipient,
      recipientKey: resolved.recipientKey,
      ...options,
      status: held ? 'held' : 'queued',
    });
    if (!inserted) {
      // Another call with the same key won the race between our check and our insert.
      const existing = await this.outbox.findByIdempotencyKey(input.pageId, options.idempotencyKey!);
      return { id: existing!.id, created: false, status: existing!.status };
    }
    // Not waiting for Redis would lose nothing either: the row is committed and the sweep finds it.
    if (!held) await this.scheduler.enqueue(inserted);
    return { id: inserted.id, created: true, status: inserted.status };
  }

  /**
   * Validates a send like `send()` and prepares its outbox row without writing it: the inbound
   * processor stages a batch's replies while handlers run, then writes them (`insertStaged`) in the
   * transaction that marks the events handled, and schedules them (`scheduleInserted`) after commit.
   * A staged row's id is final unless the idempotency key was stored before, which only a re-run can
   * meet: `hints.mayExist` then looks the key up first.
   */
  async stage(input: SendInput, hints: StageHints): Promise<StagedSend> {
    const options = normalizeSendInput(input, this.config.allowedTags);
    const page = await this.pages.getRouting(input.pageId);
    if (!page) throw new PageNotFoundError(input.pageId);
    if (page.status === 'removed') throw new PageRemovedError(input.pageId);
    const resolved = await this.recipients.resolve(input.pageId, input.recipient);
    if (options.idempotencyKey !== null && hints.mayExist) {
      const existing = await this.outbox.findByIdempotencyKey(input.pageId, options.idempotencyKey);
      if (existing)
        return { row: null, result: { id: existing.id, created: false, status: existing.status } };
    }
    if (resolved.psid !== null) {
      await this.assertInsideWindow(
        input.pageId,
        resolved.psid,
        options,
        hints.windowOpenedAt?.(resolved.psid),
      );
    }
    const status = HOLDING_STATUSES.has(page.status) ? 'held' : 'queued';
    const row = {
      id: randomUUID(),
      pageId: input.pageId,
      recipient: resolved.recipient,
      recipientKey: resolved.recipientKey,
      ...options,
      status,
    } as const;
    return { row, result: { id: row.id, created: true, status } };
  }

  /** Writes staged rows inside the caller's transaction; returns those not already stored. */
  insertStaged(manager: EntityManager, rows: ReadonlyArray<StagedRow>): Promise<OutboundMessage[]> {
    return this.outbox.insertMany(manager, rows);
  }

  /** After the commit: a send job for every inserted row that is not held. Never throws (the sweep). */
  async scheduleInserted(messages: readonly OutboundMessage[]): Promise<void> {
    await this.scheduler.enqueueMany([...messages]);
  }

  /**
   * Facebook refuses standard messages (and sender actions) more than 24 hours after the person's last
   * message, HUMAN_AGENT after 7 days; other allowed tags have no window. `known` is a window-opening
   * time the caller holds that may not be stored yet; when it settles the question, nothing is read.
   */
  private async assertInsideWindow(
    pageId: string,
    psid: string,
    options: SendOptions,
    known?: Date | null,
  ): Promise<void> {
    let windowHours: number;
    if (options.tag === null) windowHours = STANDARD_WINDOW_HOURS;
    else if (options.tag === 'HUMAN_AGENT') windowHours = HUMAN_AGENT_WINDOW_HOURS;
    else return;
    const inside = (at: Date | null | undefined): at is Date =>
      at !== null && at !== undefined && Date.now() - at.getTime() <= windowHours * HOUR_MS;
    if (inside(known)) return;
    const stored = await this.conversations.lastUserMessageAt(pageId, psid);
    if (!inside(stored)) throw new OutsideMessagingWindowError(windowHours, stored);
  }
}
