import type {
  Attachment,
  EventBase,
  HandoverAction,
  HandoverEvent,
  InnerEvent,
  MessengerEvent,
  Referral,
} from './messenger-event';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
// Facebook sends some ids as numbers (echo app_id); ids are strings everywhere in this code base.
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
};
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(str).filter((s): s is string => s !== undefined) : [];

const HANDOVER_KEYS: HandoverAction[] = [
  'pass_thread_control',
  'take_thread_control',
  'request_thread_control',
  'app_roles',
];
/** Keys of a messaging item that are envelope, not the event itself. */
const ENVELOPE_KEYS = new Set(['sender', 'recipient', 'timestamp']);

export interface ParseOptions {
  /** The item came from the entry's `standby` array (another app owns the thread). */
  standby?: boolean;
}

/** Parses one raw `messaging`/`standby` item. Never throws: what it cannot read becomes `unknown`. */
export function parseMessengerEvent(raw: unknown, options: ParseOptions = {}): MessengerEvent {
  const item = obj(raw) ?? {};
  const inner = parseInner(item);
  if (!options.standby) return inner;
  return { ...pickBase(inner), type: 'standby', event: inner };
}

function pickBase(e: EventBase): EventBase {
  return { pageId: e.pageId, psid: e.psid, userRef: e.userRef, timestamp: e.timestamp };
}

function baseOf(item: Json, echo: boolean): EventBase {
  const sender = obj(item.sender);
  const recipient = obj(item.recipient);
  const user = echo ? recipient : sender;
  const page = echo ? sender : recipient;
  return {
    pageId: str(page?.id),
    psid: str(user?.id),
    userRef: str(user?.user_ref) ?? str(obj(item.optin)?.user_ref),
    timestamp: num(item.timestamp),
  };
}

function parseInner(item: Json): InnerEvent {
  const message = obj(item.message);
  if (message) {
    const echo = message.is_echo === true;
    const base = baseOf(item, echo);
    const mid = str(message.mid) ?? '';
    const attachments = parseAttachments(message.attachments);
    const text = str(message.text);
    if (echo) {
      return {
        ...base,
        type: 'echo',
        mid,
        appId: str(message.app_id),
        text,
        attachments,
        metadata: str(message.metadata),
      };
    }
    const quickPayload = str(obj(message.quick_reply)?.payload);
    const replyMid = str(obj(message.reply_to)?.mid);
    return {
      ...base,
      type: 'message',
      mid,
      text,
      attachments,
      ...(quickPayload !== undefined ? { quickReply: { payload: quickPayload } } : {}),
      ...(replyMid !== undefined ? { replyTo: { mid: replyMid } } : {}),
    };
  }
  const base = baseOf(item, false);
  const postback = obj(item.postback);
  if (postback) {
    const referral = obj(postback.referral);
    return {
      ...base,
      type: 'postback',
      mid: str(postback.mid),
      payload: str(postback.payload) ?? '',
      title: str(postback.title),
      ...(referral ? { referral: parseReferral(referral) } : {}),
    };
  }
  const referral = obj(item.referral);
  if (referral) return { ...base, type: 'referral', referral: parseReferral(referral) };
  const optin = obj(item.optin);
  if (optin) {
    return {
      ...base,
      type: 'optin',
      ref: str(optin.ref),
      optinType: str(optin.type),
      payload: str(optin.payload),
    };
  }
  const linking = obj(item.account_linking);
  if (linking?.status === 'linked') {
    return { ...base, type: 'account_linked', authorizationCode: str(linking.authorization_code) };
  }
  if (linking?.status === 'unlinked') return { ...base, type: 'account_unlinked' };
  const delivery = obj(item.delivery);
  if (delivery)
    return { ...base, type: 'delivery', mids: strings(delivery.mids), watermark: num(delivery.watermark) };
  const read = obj(item.read);
  if (read) return { ...base, type: 'read', watermark: num(read.watermark) };
  const reaction = obj(item.reaction);
  if (reaction) {
    return {
      ...base,
      type: 'reaction',
      mid: str(reaction.mid),
      action: str(reaction.action),
      reaction: str(reaction.reaction),
      emoji: str(reaction.emoji),
    };
  }
  for (const action of HANDOVER_KEYS) {
    const body = obj(item[action]);
    if (body) return { ...base, ...parseHandover(action, body) };
  }
  const kind = Object.keys(item).find((key) => !ENVELOPE_KEYS.has(key));
  return { ...base, type: 'unknown', ...(kind !== undefined ? { kind } : {}) };
}

function parseReferral(r: Json): Referral {
  return {
    ref: str(r.ref),
    source: str(r.source),
    type: str(r.type),
    adId: str(r.ad_id),
    refererUri: str(r.referer_uri),
  };
}

function parseHandover(action: HandoverAction, body: Json): Omit<HandoverEvent, keyof EventBase> {
  if (action === 'app_roles') {
    const appRoles: Record<string, string[]> = {};
    for (const [appId, roles] of Object.entries(body)) appRoles[appId] = strings(roles);
    return { type: 'handover', action, appRoles };
  }
  return {
    type: 'handover',
    action,
    newOwnerAppId: str(body.new_owner_app_id),
    previousOwnerAppId: str(body.previous_owner_app_id),
    requestedOwnerAppId: str(body.requested_owner_app_id),
    metadata: str(body.metadata),
  };
}

function parseAttachments(value: unknown): Attachment[] {
  if (!Array.isArray(value)) return [];
  return value
    .map(obj)
    .filter((a): a is Json => a !== undefined)
    .map(parseAttachment);
}

function parseAttachment(a: Json): Attachment {
  const payload = obj(a.payload);
  const coordinates = obj(payload?.coordinates);
  const lat = coordinates?.lat;
  const long = coordinates?.long;
  return {
    type: str(a.type) ?? 'unknown',
    url: str(payload?.url) ?? str(a.url) ?? str(a.URL),
    title: str(a.title) ?? str(payload?.title),
    stickerId: num(payload?.sticker_id),
    ...(typeof lat === 'number' && typeof long === 'number' ? { coordinates: { lat, long } } : {}),
    ...(payload ? { payload } : {}),
  };
}
