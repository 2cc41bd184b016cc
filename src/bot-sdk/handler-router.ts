import { Injectable } from '@nestjs/common';
import type { HandlerKind, HandlerMatch } from './decorators';
import { HandlerRegistry, type RegisteredHandler } from './handler-registry';
import type { MessageEvent, MessengerEvent } from './messenger-event';

/** Which handler kinds may take an event, most specific first, with the value their match tests. */
function candidateKinds(event: MessengerEvent): Array<{ kind: HandlerKind; value: string | undefined }> {
  switch (event.type) {
    case 'message':
      return [
        ...(event.quickReply ? [{ kind: 'quick_reply' as const, value: event.quickReply.payload }] : []),
        { kind: 'message', value: event.text },
      ];
    case 'postback':
      return [{ kind: 'postback', value: event.payload }];
    case 'referral':
      return [{ kind: 'referral', value: event.referral.ref }];
    case 'optin':
      return [{ kind: 'optin', value: event.ref }];
    case 'unknown':
      return [];
    default:
      return [{ kind: event.type, value: undefined }];
  }
}

const EXACT = 3;
const PATTERN = 2;
const PREDICATE = 1;
const CATCH_ALL = 0;

/** How specifically `match` accepts `value`; undefined when it does not. */
function matchRank(
  kind: HandlerKind,
  match: HandlerMatch,
  value: string | undefined,
  event: MessengerEvent,
): number | undefined {
  if (match === undefined) return CATCH_ALL;
  if (typeof match === 'string') {
    if (value === undefined) return undefined;
    // Typed text is matched loosely ("Help " = "help"); payloads and refs are identifiers.
    const equal =
      kind === 'message' ? value.trim().toLowerCase() === match.trim().toLowerCase() : value === match;
    return equal ? EXACT : undefined;
  }
  if (match instanceof RegExp) return value !== undefined && match.test(value) ? PATTERN : undefined;
  return kind === 'message' && match(event as MessageEvent) ? PREDICATE : undefined;
}

/**
 * The most specific handler for an event: a quick reply handler before a message handler, then exact
 * text/payload before regex before predicate before catch-all; among equals, the first registered.
 */
export function selectHandler(
  handlers: readonly RegisteredHandler[],
  event: MessengerEvent,
): RegisteredHandler | undefined {
  const kinds = candidateKinds(event);
  let best: { handler: RegisteredHandler; score: number } | undefined;
  kinds.forEach(({ kind, value }, index) => {
    const band = (kinds.length - index) * 10;
    for (const handler of handlers) {
      if (handler.kind !== kind) continue;
      const rank = matchRank(kind, handler.match, value, event);
      if (rank === undefined) continue;
      if (!best || band + rank > best.score) best = { handler, score: band + rank };
    }
  });
  return best?.handler;
}

@Injectable()
export class HandlerRouter {
  constructor(private readonly registry: HandlerRegistry) {}

  /** The handler of `bot` that takes the event, if any. */
  route(bot: string, event: MessengerEvent): RegisteredHandler | undefined {
    return selectHandler(this.registry.handlersOf(bot), event);
  }
}
