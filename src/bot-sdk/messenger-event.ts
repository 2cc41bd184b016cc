/**
 * The typed form of one item of a webhook entry's `messaging` (or `standby`) array. Handlers receive
 * these, never the raw JSON. Every field Facebook may leave out is optional here, because it does
 * leave them out (MESSENGER.md: no sender, user_ref only, delivery without timestamp).
 */
export interface EventBase {
  /** The Page the conversation belongs to (for echoes: the sender). */
  pageId?: string;
  /** The person's page-scoped id (for echoes: the recipient). Absent for user_ref-only events. */
  psid?: string;
  /** Checkbox plugin (`optin.user_ref`) / chat plugin identity when there is no PSID yet. */
  userRef?: string;
  /** Facebook's timestamp in ms; a delivery may have none. */
  timestamp?: number;
}

export interface Attachment {
  type: string;
  url?: string;
  title?: string;
  stickerId?: number;
  coordinates?: { lat: number; long: number };
  /** The attachment's own payload object, as sent (templates, fallback). */
  payload?: Record<string, unknown>;
}

export interface Referral {
  ref?: string;
  source?: string;
  type?: string;
  adId?: string;
  refererUri?: string;
}

export interface MessageEvent extends EventBase {
  type: 'message';
  mid: string;
  text?: string;
  attachments: Attachment[];
  quickReply?: { payload: string };
  replyTo?: { mid: string };
}

export interface EchoEvent extends EventBase {
  type: 'echo';
  mid: string;
  /** The app that sent the message; absent when a person wrote from the Page inbox. */
  appId?: string;
  text?: string;
  attachments: Attachment[];
  metadata?: string;
}

export interface PostbackEvent extends EventBase {
  type: 'postback';
  mid?: string;
  payload: string;
  title?: string;
  referral?: Referral;
}

export interface ReferralEvent extends EventBase {
  type: 'referral';
  referral: Referral;
}

export interface OptinEvent extends EventBase {
  type: 'optin';
  /** Send to Messenger plugin `data-ref` (pass-through parameter). */
  ref?: string;
  /** e.g. `notification_messages` for recurring notifications. */
  optinType?: string;
  payload?: string;
}

export interface AccountLinkedEvent extends EventBase {
  type: 'account_linked';
  authorizationCode?: string;
}

export interface AccountUnlinkedEvent extends EventBase {
  type: 'account_unlinked';
}

export interface DeliveryEvent extends EventBase {
  type: 'delivery';
  mids: string[];
  watermark?: number;
}

export interface ReadEvent extends EventBase {
  type: 'read';
  watermark?: number;
}

export interface ReactionEvent extends EventBase {
  type: 'reaction';
  /** The message reacted to (someone else's mid). */
  mid?: string;
  action?: string;
  reaction?: string;
  emoji?: string;
}

export type HandoverAction =
  'pass_thread_control' | 'take_thread_control' | 'request_thread_control' | 'app_roles';

export interface HandoverEvent extends EventBase {
  type: 'handover';
  action: HandoverAction;
  newOwnerAppId?: string;
  previousOwnerAppId?: string;
  requestedOwnerAppId?: string;
  metadata?: string;
  appRoles?: Record<string, string[]>;
}

export interface UnknownEvent extends EventBase {
  type: 'unknown';
  /** The first key that names the event (e.g. `message_edit`), when there is one. */
  kind?: string;
}

export type InnerEvent =
  | MessageEvent
  | EchoEvent
  | PostbackEvent
  | ReferralEvent
  | OptinEvent
  | AccountLinkedEvent
  | AccountUnlinkedEvent
  | DeliveryEvent
  | ReadEvent
  | ReactionEvent
  | HandoverEvent
  | UnknownEvent;

/** An event delivered in `standby` because another app owns the thread. */
export interface StandbyEvent extends EventBase {
  type: 'standby';
  event: InnerEvent;
}

export type MessengerEvent = InnerEvent | StandbyEvent;
export type MessengerEventType = MessengerEvent['type'];
export type EventOfType<T extends MessengerEventType> = Extract<MessengerEvent, { type: T }>;

/** Whether an event is the person talking to the Page (opens the 24-hour standard messaging window). */
export function opensMessagingWindow(event: MessengerEvent): boolean {
  return ['message', 'postback', 'reaction', 'referral', 'optin'].includes(event.type);
}
