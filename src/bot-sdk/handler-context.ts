import type { MessengerEvent } from './messenger-event';

/** The Page an event arrived on, as far as routing needs it (no token, ever). */
export interface HandlerPage {
  id: string;
  /** The bot whose handlers run for this Page. */
  bot: string;
  status: string;
}

/** The operator's site user behind a PSID, once account linking has tied them together. */
export interface LinkedUser {
  userId: string;
}

/**
 * Seam for the account-linking module: it provides this token and the context fills `linkedUser`.
 * Absent provider: `linkedUser` is null.
 */
export const LINKED_USER_LOOKUP = Symbol('LINKED_USER_LOOKUP');
export interface LinkedUserLookup {
  findLinkedUser(pageId: string, psid: string): Promise<LinkedUser | null>;
}

/** A message body in Send API form (`{ text }`, `{ attachment }`, with optional `quick_replies`). */
export type OutgoingMessage = Record<string, unknown>;

export type SenderAction = 'typing_on' | 'typing_off' | 'mark_seen';

/** What a handler may send beyond `reply()`: mirrors SendService.send without the Page id. */
export interface ContextSendInput {
  recipient?: { id: string } | { userRef: string };
  message?: OutgoingMessage;
  senderAction?: SenderAction;
  messagingType?: 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';
  tag?: string;
  notificationType?: string;
  idempotencyKey?: string;
}

export interface SendOutcome {
  /** The outbox row id. */
  id: string;
  /** False when the idempotency key matched an earlier send (a handler run again after a crash). */
  created: boolean;
}

/** What a handler receives beside the typed event. */
export interface HandlerContext<E extends MessengerEvent = MessengerEvent> {
  /** The inbox row id (stable across retries and replays). */
  readonly eventId: string;
  /** 1 on the first run; more when retried after a throw. */
  readonly attempt: number;
  readonly page: HandlerPage;
  /** The person's PSID; absent for user_ref-only events (checkbox plugin). */
  readonly psid: string | undefined;
  readonly userRef: string | undefined;
  readonly event: E;
  /** The raw `messaging`/`standby` item as Facebook sent it. */
  readonly raw: unknown;
  readonly linkedUser: LinkedUser | null;
  /** An echo of a message this app sent (FB_APP_ID): `@OnEcho` handlers must not answer it. */
  readonly ownEcho: boolean;
  /** Answers the person (by PSID, else user_ref) with messaging type RESPONSE. */
  reply(message: OutgoingMessage | string): Promise<SendOutcome>;
  typing(on?: boolean): Promise<SendOutcome>;
  markSeen(): Promise<SendOutcome>;
  /** Anything else on this Page (another recipient, a tag, ...). */
  send(input: ContextSendInput): Promise<SendOutcome>;
}
