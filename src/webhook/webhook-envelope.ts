import { createHash } from 'node:crypto';
import { jsonTooDeep } from '../common/http/json-depth';
import { MESSAGING_EVENT_KEYS, type InboundEventSource, type InboundEventType, type NewInboundEvent } from '../inbox/inbound-event.types';
import { InvalidWebhookBodyError } from './webhook.errors';

type Json = Record<string, unknown>;

export type WebhookBody =
  /** An envelope for another object (instagram, user, ...): acknowledged, nothing stored. */
  { kind: 'ignored'; object: string } | { kind: 'page'; events: NewInboundEvent[]; duplicatesInBody: number };

const EVENT_KEYS = MESSAGING_EVENT_KEYS;

const MAX_ID_LENGTH = 64;
const MAX_MID_LENGTH = 512;
const MAX_USER_REF_LENGTH = 256;
// Timestamps outside this range (ms) are not Facebook's; fall back instead of failing the batch.
const MAX_TIMESTAMP_MS = 8_640_000_000_000;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a webhook body whose signature has been verified: parses the JSON once and turns every event
 * of every entry (`messaging` and `standby`) into an inbox row. Throws InvalidWebhookBodyError (400)
 * for anything that is not a webhook envelope; tolerates any event content (unknown types are stored).
 */
export function readWebhookBody(raw: Buffer, receivedAtMs = Date.now()): WebhookBody {
  if (jsonTooDeep(raw)) throw new InvalidWebhookBodyError('Body is nested too deeply');
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new InvalidWebhookBodyError('Body is not valid JSON');
  }
  if (!isObject(body) || typeof body.object !== 'string') {
    throw new InvalidWebhookBodyError(
      'Body must be a webhook envelope: { "object": string, "entry": [...] }',
    );
  }
  if (body.object !== 'page') return { kind: 'ignored', object: body.object.slice(0, 64) };
  if (!Array.isArray(body.entry)) throw new InvalidWebhookBodyError('entry must be an array');

  const events: NewInboundEvent[] = [];
  const seen = new Set<string>();
  let duplicatesInBody = 0;
  body.entry.forEach((entry: unknown, i) => {
    if (!isObject(entry)) throw new InvalidWebhookBodyError(`entry[${i}] must be an object`);
    const pageId = idOf(entry.id);
    if (pageId === undefined || !/^\d+$/.test(pageId)) {
      throw new InvalidWebhookBodyError(`entry[${i}].id must be a Page id`);
    }
    const entryTime = timestampOf(entry.time);
    for (const source of ['messaging', 'standby'] as const) {
      const items = entry[source];
      if (items === undefined) continue;
      if (!Array.isArray(items)) throw new InvalidWebhookBodyError(`entry[${i}].${source} must be an array`);
      items.forEach((item: unknown, j) => {
        if (!isObject(item))
          throw new InvalidWebhookBodyError(`entry[${i}].${source}[${j}] must be an object`);
        const event = toInboxEvent(pageId, source, item, entryTime ?? receivedAtMs);
        if (seen.has(event.dedupKey)) {
          duplicatesInBody++;
          return;
        }
        seen.add(event.dedupKey);
        events.push(event);
      });
    }
  });
  return { kind: 'page', events, duplicatesInBody };
}

function toInboxEvent(
  pageId: string,
  source: InboundEventSource,
  item: Json,
  fallbackMs: number,
): NewInboundEvent {
  const type = eventTypeOf(item);
  // Serialised once: the stored payload and, for events without an own id, the dedup hash.
  const json = JSON.stringify(item);
  const { psid, conversationKey } = conversationOf(pageId, type, item);
  return {
    dedupKey: dedupKeyOf(pageId, type, item, json),
    pageId,
    psid,
    conversationKey,
    source,
    type,
    fbTimestampMs: timestampOf(item.timestamp) ?? fallbackMs,
    payloadJson: withoutNul(json),
  };
}

export function eventTypeOf(item: Json): InboundEventType {
  for (const key of EVENT_KEYS) {
    const value = item[key];
    if (!isObject(value)) continue;
    return key === 'message' && value.is_echo === true ? 'echo' : key;
  }
  return 'unknown';
}

/**
 * An event's own identity. Messages (echoes included) and postbacks carry their own `mid`; every
 * other event either has no id or names *another* message (a reaction, a delivery, a read, a
 * `reply_to`) or reuses the edited message's mid (`message_edit`), so its key is a hash of what it
 * is: Page, type and the event's JSON (identical on redelivery).
 */
export function dedupKeyOf(pageId: string, type: InboundEventType, item: Json, json: string): string {
  const own =
    type === 'message' || type === 'echo'
      ? (item.message as Json).mid
      : type === 'postback'
        ? (item.postback as Json).mid
        : undefined;
  if (typeof own === 'string' && own.length > 0 && own.length <= MAX_MID_LENGTH) {
    return `${type === 'postback' ? 'postback' : 'mid'}:${own}`;
  }
  return `h:${createHash('sha256').update(`${pageId}\n${type}\n${json}`).digest('base64url')}`;
}

/**
 * The user a conversation is with: the sender, except for echoes (the Page's own message, whose
 * recipient is the user). Events with no PSID still need a key, because the processor handles one
 * key at a time in order: `user_ref:<ref>` for the checkbox plugin (its later events come with a
 * real PSID, a different conversation) and `page:<id>` for page-level events (policy enforcement,
 * app roles), which are then ordered among themselves.
 */
export function conversationOf(
  pageId: string,
  type: InboundEventType,
  item: Json,
): { psid: string | null; conversationKey: string } {
  const user = type === 'echo' ? item.recipient : item.sender;
  const psid = isObject(user) ? idOf(user.id) : undefined;
  if (psid !== undefined) return { psid, conversationKey: psid };
  const userRef =
    (isObject(user) ? refOf(user.user_ref) : undefined) ??
    (isObject(item.optin) ? refOf(item.optin.user_ref) : undefined);
  if (userRef !== undefined) return { psid: null, conversationKey: `user_ref:${userRef}` };
  return { psid: null, conversationKey: `page:${pageId}` };
}

/** Facebook ids are strings; tolerate numbers. A colon would collide with the other key forms. */
function idOf(value: unknown): string | undefined {
  const id = typeof value === 'string' ? value : Number.isSafeInteger(value) ? String(value) : undefined;
  return id && id.length <= MAX_ID_LENGTH && !id.includes(':') ? id : undefined;
}

function refOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_USER_REF_LENGTH
    ? value
    : undefined;
}

function timestampOf(value: unknown): number | undefined {
  return typeof value === 'number' && value >= 0 && value < MAX_TIMESTAMP_MS ? Math.trunc(value) : undefined;
}

// jsonb cannot hold U+0000 nor a lone surrogate (JSON.stringify escapes only lone ones, as
// \udXXX): store them as U+FFFD, or the delivery would be refused on every redelivery. Only an
// unescaped backslash starts an escape, so count the backslashes before the `u` (a literal "\u0000"
// in a text is serialised as "\\u0000").
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;
function withoutNul(json: string): string {
  return /\\u(?:0000|d[89a-f])/i.test(json) ? json.replace(UNSTORABLE_ESCAPE, '$1\\ufffd') : json;
}
