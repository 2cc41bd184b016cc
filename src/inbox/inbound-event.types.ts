/** Lifecycle of an inbox row. Only the webhook writes `pending`; the inbound processor moves it on. */
export const INBOUND_EVENT_STATUSES = ['pending', 'processing', 'done', 'failed', 'ignored'] as const;
export type InboundEventStatus = (typeof INBOUND_EVENT_STATUSES)[number];

/** The key that carries each event in a messaging item, in the order the webhook looks for them. */
export const MESSAGING_EVENT_KEYS = [
  'message',
  'postback',
  'referral',
  'optin',
  'account_linking',
  'delivery',
  'read',
  'reaction',
  'message_edit',
  'pass_thread_control',
  'take_thread_control',
  'request_thread_control',
  'app_roles',
  'policy_enforcement',
  'game_play',
] as const;

/**
 * The stored event types: the messaging keys, `echo` (a `message` with `is_echo: true`, the Page's own
 * send), and `unknown` for anything else, so a new Facebook event type never fails a delivery.
 */
export const INBOUND_EVENT_TYPES = [...MESSAGING_EVENT_KEYS, 'echo', 'unknown'] as const;
export type InboundEventType = (typeof INBOUND_EVENT_TYPES)[number];

/** `messaging`: this app owns the thread; `standby`: another app does (handover protocol). */
export type InboundEventSource = 'messaging' | 'standby';

/** The conversation key of page-level events that name no user (policy_enforcement, app_roles). */
export const PAGE_CONVERSATION_KEY = 'page';

/** One event as the webhook hands it to the inbox. */
export interface NewInboundEvent {
  dedupKey: string;
  pageId: string;
  psid: string | null;
  conversationKey: string;
  source: InboundEventSource;
  type: InboundEventType;
  /** Milliseconds since the epoch. */
  fbTimestampMs: number;
  /** The event's JSON text (what is stored as `payload`). */
  payloadJson: string;
}
