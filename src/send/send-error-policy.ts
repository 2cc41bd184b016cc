import { GraphApiError, type GraphErrorKind } from '../graph/graph-api.error';
import type { OutboundError, OutboundRecipient } from './outbound-message.entity';
import { hintFor } from './send-error-hints';

/** What the send processor does with a failed Graph call. */
export type SendDecision =
  /** Try again after exponential backoff with full jitter; consumes an attempt. */
  | { action: 'retry' }
  /** Wait (Retry-After, or backoff) and slow the whole Page down; no attempt consumed. */
  | { action: 'throttle' }
  /** The message can never go through as it is: failed now, no retry. */
  | { action: 'fail'; alert: boolean }
  /** The Page cannot send at all: hold the message (not failed) and change the Page's status. */
  | { action: 'hold'; page: 'token_invalid' | 'paused' };

/**
 * The one policy table, keyed by the Graph client's classification (MESSENGER.md, Send API errors).
 * recipient (551, 2018001, 10/2018278): failing this person is normal (they blocked the Page, the
 * window closed), so no alert. permanent (100 ...): the bot built a message Facebook refuses, which an
 * operator should see, so it alerts (deduplicated per Page like exhausted retries).
 */
const POLICY: Record<GraphErrorKind, (error: GraphApiError) => SendDecision> = {
  transient: () => ({ action: 'retry' }),
  throttled: () => ({ action: 'throttle' }),
  recipient: () => ({ action: 'fail', alert: false }),
  auth: (error) => ({ action: 'hold', page: error.isPolicyBlock ? 'paused' : 'token_invalid' }),
  permanent: () => ({ action: 'fail', alert: true }),
};

/** Anything that is not a GraphApiError (a bug, an unexpected rejection) is retried like a transient. */
export function decideOnError(error: unknown): SendDecision {
  return error instanceof GraphApiError ? POLICY[error.kind](error) : { action: 'retry' };
}

/** Full jitter (AWS architecture blog): uniform in [0, min(max, base * 2^(attempt-1))]. */
export function retryDelayMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/** Facebook's Retry-After is honoured as given, up to an hour (a nonsense value must not park a Page for days). */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * How long a throttled Page waits: Facebook's Retry-After when it gave one, else backoff on the
 * message's throttle count with "equal jitter" (never near zero: hammering a throttled Page again at
 * once is what makes the throttle last).
 */
export function throttleDelayMs(
  error: unknown,
  throttledCount: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const retryAfter = error instanceof GraphApiError ? error.retryAfterSeconds : undefined;
  if (retryAfter !== undefined && retryAfter > 0) return Math.min(MAX_RETRY_AFTER_MS, retryAfter * 1000);
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, throttledCount - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The stored form of a failure: Facebook's fields (never a token), the kind, and a hint when we have one. */
export function describeSendError(error: unknown, recipient: OutboundRecipient): OutboundError {
  if (!(error instanceof GraphApiError)) {
    return {
      kind: 'internal',
      message: error instanceof Error ? `${error.name}: ${error.message}` : 'Unknown error',
    };
  }
  const { kind, code, subcode, httpStatus, fbtraceId, message } = error.toJSON();
  const described: OutboundError = { kind, code, subcode, httpStatus, fbtraceId, message };
  const hint = hintFor(described, recipient);
  if (hint) described.hint = hint;
  // Drop undefined fields so the stored JSON stays readable.
  return Object.fromEntries(
    Object.entries(described).filter(([, v]) => v !== undefined),
  ) as unknown as OutboundError;
}
