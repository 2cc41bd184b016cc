import type { HandlerContext } from './handler-context';
import type {
  AccountLinkedEvent,
  AccountUnlinkedEvent,
  DeliveryEvent,
  EchoEvent,
  HandoverEvent,
  MessageEvent,
  MessengerEvent,
  OptinEvent,
  PostbackEvent,
  ReactionEvent,
  ReadEvent,
  ReferralEvent,
  StandbyEvent,
} from './messenger-event';

export const BOT_METADATA = 'messenger-hub:bot';
export const HANDLERS_METADATA = 'messenger-hub:handlers';

export type HandlerKind =
  | 'message'
  | 'quick_reply'
  | 'postback'
  | 'referral'
  | 'optin'
  | 'account_linked'
  | 'account_unlinked'
  | 'delivery'
  | 'read'
  | 'reaction'
  | 'echo'
  | 'handover'
  | 'standby';

export type MessagePredicate = (event: MessageEvent) => boolean;
/** Exact string, regular expression, predicate (messages only), or nothing: catch-all. */
export type HandlerMatch = string | RegExp | MessagePredicate | undefined;

export interface HandlerSpec {
  kind: HandlerKind;
  match: HandlerMatch;
}

/** The shape a decorated method must have: the compiler checks the event type against the decorator. */
export type EventHandler<E extends MessengerEvent> = (event: E, ctx: HandlerContext<E>) => unknown;
type HandlerDecorator<E extends MessengerEvent> = <T extends EventHandler<E>>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
) => void;

/** Marks a provider as (part of) a bot; a Page naming this bot gets its handlers. */
export function Bot(name: string): ClassDecorator {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(name)) throw new Error(`@Bot: invalid bot name "${name}"`);
  return (target) => Reflect.defineMetadata(BOT_METADATA, name, target);
}

function handler<E extends MessengerEvent>(kind: HandlerKind, match: HandlerMatch): HandlerDecorator<E> {
  // Global/sticky flags make RegExp.test stateful; matching must not depend on the previous event.
  const stable = match instanceof RegExp ? new RegExp(match.source, match.flags.replace(/[gy]/g, '')) : match;
  return (_target, _key, descriptor) => {
    const fn = descriptor.value;
    if (typeof fn !== 'function') throw new Error(`@On${kind}: only methods can be handlers`);
    const existing = (Reflect.getMetadata(HANDLERS_METADATA, fn) as HandlerSpec[] | undefined) ?? [];
    Reflect.defineMetadata(HANDLERS_METADATA, [...existing, { kind, match: stable }], fn);
  };
}

/** Text messages (not echoes). String: exact text, case-insensitive, trimmed. */
export const OnMessage = (match?: string | RegExp | MessagePredicate) =>
  handler<MessageEvent>('message', match);
/** Messages carrying a quick reply payload; tried before `@OnMessage`. */
export const OnQuickReply = (payload?: string | RegExp) => handler<MessageEvent>('quick_reply', payload);
export const OnPostback = (payload?: string | RegExp) => handler<PostbackEvent>('postback', payload);
/** m.me links, ads, chat plugin: matched on `referral.ref`. */
export const OnReferral = (ref?: string | RegExp) => handler<ReferralEvent>('referral', ref);
/** Send to Messenger `data-ref` (`ref`) and checkbox plugin (`userRef`): matched on `ref`. */
export const OnOptin = (ref?: string | RegExp) => handler<OptinEvent>('optin', ref);
export const OnAccountLinked = () => handler<AccountLinkedEvent>('account_linked', undefined);
export const OnAccountUnlinked = () => handler<AccountUnlinkedEvent>('account_unlinked', undefined);
export const OnDelivery = () => handler<DeliveryEvent>('delivery', undefined);
export const OnRead = () => handler<ReadEvent>('read', undefined);
export const OnReaction = () => handler<ReactionEvent>('reaction', undefined);
/** The Page's own sends (this app's, other apps', the Page inbox): the only handlers that see echoes. */
export const OnEcho = () => handler<EchoEvent>('echo', undefined);
export const OnHandover = () => handler<HandoverEvent>('handover', undefined);
/** Events delivered while another app owns the thread. */
export const OnStandby = () => handler<StandbyEvent>('standby', undefined);
