import { Inject, Injectable, Optional } from '@nestjs/common';
import { SendService, type StageHints, type StagedRow } from '../send/send.service';
import type { SendRecipient } from '../send/send-input';
import {
  LINKED_USER_LOOKUP,
  type ContextSendInput,
  type HandlerContext,
  type HandlerPage,
  type LinkedUser,
  type LinkedUserLookup,
  type OutgoingMessage,
  type SendOutcome,
} from './handler-context';
import { NoRecipientError } from './bot-sdk.errors';
import type { MessengerEvent } from './messenger-event';

/**
 * Where a handler's sends go until the processor commits them with the event's outcome (the inbound
 * processor's batch implements it).
 */
export interface SendCollector {
  stage(row: StagedRow): void;
  windowOpenedAt: NonNullable<StageHints['windowOpenedAt']>;
}

export interface ContextSource<E extends MessengerEvent> {
  eventId: string;
  attempt: number;
  /** How often an operator replayed the row; part of the sends' idempotency keys. */
  replayCount: number;
  page: HandlerPage;
  event: E;
  raw: unknown;
  ownEcho: boolean;
}

class EventHandlerContext<E extends MessengerEvent> implements HandlerContext<E> {
  readonly eventId: string;
  readonly attempt: number;
  readonly page: HandlerPage;
  readonly psid: string | undefined;
  readonly userRef: string | undefined;
  readonly event: E;
  readonly raw: unknown;
  readonly ownEcho: boolean;
  private readonly keyPrefix: string;
  /** Only a second attempt can meet sends stored by an earlier one (a lost claim's commit). */
  private readonly mayHaveSentBefore: boolean;
  private sends = 0;

  constructor(
    source: ContextSource<E>,
    readonly linkedUser: LinkedUser | null,
    private readonly sendService: SendService,
    private readonly batch: SendCollector,
  ) {
    this.eventId = source.eventId;
    this.attempt = source.attempt;
    this.page = source.page;
    this.event = source.event;
    this.raw = source.raw;
    this.ownEcho = source.ownEcho;
    this.psid = source.event.psid;
    this.userRef = source.event.userRef;
    this.keyPrefix = `inbound:${source.eventId}:${source.replayCount}`;
    this.mayHaveSentBefore = source.attempt > 1;
  }

  reply(message: OutgoingMessage | string): Promise<SendOutcome> {
    const body = typeof message === 'string' ? { text: message } : message;
    return this.send({ message: body, messagingType: 'RESPONSE' });
  }

  typing(on = true): Promise<SendOutcome> {
    return this.send({ senderAction: on ? 'typing_on' : 'typing_off' });
  }

  markSeen(): Promise<SendOutcome> {
    return this.send({ senderAction: 'mark_seen' });
  }

  async send(input: ContextSendInput): Promise<SendOutcome> {
    const recipient = input.recipient ?? this.defaultRecipient();
    // A handler that runs again (a throw, a crash) sends the same messages with the same keys, and the
    // outbox keeps the first: the person sees each reply once. Sender actions are harmless to repeat.
    const idempotencyKey =
      input.idempotencyKey ?? (input.message !== undefined ? `${this.keyPrefix}:${++this.sends}` : undefined);
    // Staged, not written: the batch stores it with the event's outcome (one transaction), and it is
    // scheduled after that commit. A throwing handler's sends are dropped with its attempt.
    const staged = await this.sendService.stage(
      {
        pageId: this.page.id,
        recipient,
        message: input.message,
        senderAction: input.senderAction,
        messagingType: input.message !== undefined ? (input.messagingType ?? 'RESPONSE') : undefined,
        tag: input.tag,
        notificationType: input.notificationType,
        idempotencyKey,
      },
      { mayExist: this.mayHaveSentBefore, windowOpenedAt: this.batch.windowOpenedAt },
    );
    if (staged.row) this.batch.stage(staged.row);
    return { id: staged.result.id, created: staged.result.created };
  }

  private defaultRecipient(): SendRecipient {
    if (this.psid !== undefined) return { id: this.psid };
    if (this.userRef !== undefined) return { userRef: this.userRef };
    throw new NoRecipientError(this.event.type);
  }
}

/** Builds the context handlers receive: replies are staged into the batch's outbox rows. */
@Injectable()
export class HandlerContextFactory {
  constructor(
    private readonly sendService: SendService,
    @Optional() @Inject(LINKED_USER_LOOKUP) private readonly linkedUsers?: LinkedUserLookup,
  ) {}

  async create<E extends MessengerEvent>(
    source: ContextSource<E>,
    batch: SendCollector,
  ): Promise<HandlerContext<E>> {
    const psid = source.event.psid;
    const linkedUser =
      this.linkedUsers && psid !== undefined
        ? await this.linkedUsers.findLinkedUser(source.page.id, psid)
        : null;
    return new EventHandlerContext(source, linkedUser, this.sendService, batch);
  }
}
