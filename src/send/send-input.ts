import { InvalidRequestError } from '../common/errors/domain-error';
import type { MessagingType, OutboundPayload, SenderAction } from './outbound-message.entity';

export const SENDER_ACTIONS: readonly SenderAction[] = ['typing_on', 'typing_off', 'mark_seen'];
export const MESSAGING_TYPES: readonly MessagingType[] = ['RESPONSE', 'UPDATE', 'MESSAGE_TAG'];
export const NOTIFICATION_TYPES = ['REGULAR', 'SILENT_PUSH', 'NO_PUSH'] as const;

/** MESSENGER.md: text under 2000 characters. */
export const MAX_TEXT_CHARS = 2000;
/** Keeps one row small; Facebook's own limits on templates are far below this. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export type SendRecipient =
  { id: string } | { phoneNumber: string } | { userRef: string } | { userId: string };

export interface SendInput {
  pageId: string;
  recipient: SendRecipient;
  message?: Record<string, unknown>;
  senderAction?: SenderAction;
  messagingType?: MessagingType;
  tag?: string;
  notificationType?: string;
  idempotencyKey?: string;
}

export interface SendOptions {
  payload: OutboundPayload;
  messagingType: MessagingType | null;
  tag: string | null;
  notificationType: string | null;
  idempotencyKey: string | null;
}

/**
 * Checks what Facebook would refuse anyway, before anything is stored: exactly one of message and
 * sender action, text length, the tag against SEND_ALLOWED_TAGS, and the messaging type (a tag alone
 * implies MESSAGE_TAG; MESSAGE_TAG needs a tag). Throws InvalidRequestError (400).
 */
export function normalizeSendInput(input: SendInput, allowedTags: readonly string[]): SendOptions {
  const hasMessage = input.message !== undefined && input.message !== null;
  const hasAction = input.senderAction !== undefined && input.senderAction !== null;
  if (hasMessage === hasAction) {
    throw new InvalidRequestError('Give exactly one of message and senderAction', 'invalid_message');
  }
  const tag = input.tag ?? null;
  if (tag !== null && !allowedTags.includes(tag)) {
    throw new InvalidRequestError(
      `Tag ${tag} is not allowed; allowed tags: ${allowedTags.join(', ')}`,
      'tag_not_allowed',
    );
  }
  const notificationType = input.notificationType ?? null;
  if (notificationType !== null && !(NOTIFICATION_TYPES as readonly string[]).includes(notificationType)) {
    throw new InvalidRequestError(
      `notificationType must be one of ${NOTIFICATION_TYPES.join(', ')}`,
      'invalid_notification_type',
    );
  }
  const idempotencyKey = normalizeIdempotencyKey(input.idempotencyKey);

  if (hasAction) {
    if (!SENDER_ACTIONS.includes(input.senderAction!)) {
      throw new InvalidRequestError(
        `senderAction must be one of ${SENDER_ACTIONS.join(', ')}`,
        'invalid_sender_action',
      );
    }
    if (tag !== null || input.messagingType === 'MESSAGE_TAG') {
      throw new InvalidRequestError('A sender action cannot carry a message tag', 'invalid_messaging_type');
    }
    return {
      payload: { senderAction: input.senderAction! },
      messagingType: null,
      tag: null,
      notificationType,
      idempotencyKey,
    };
  }

  const message = validateMessage(input.message);
  const messagingType: MessagingType = input.messagingType ?? (tag !== null ? 'MESSAGE_TAG' : 'RESPONSE');
  if (!MESSAGING_TYPES.includes(messagingType)) {
    throw new InvalidRequestError(
      `messagingType must be one of ${MESSAGING_TYPES.join(', ')}`,
      'invalid_messaging_type',
    );
  }
  if (messagingType === 'MESSAGE_TAG' && tag === null) {
    throw new InvalidRequestError('messagingType MESSAGE_TAG needs a tag', 'tag_required');
  }
  if (tag !== null && messagingType !== 'MESSAGE_TAG') {
    throw new InvalidRequestError(
      `A tag is only valid with messagingType MESSAGE_TAG, not ${messagingType}`,
      'invalid_messaging_type',
    );
  }
  return { payload: { message }, messagingType, tag, notificationType, idempotencyKey };
}

function validateMessage(message: unknown): Record<string, unknown> {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new InvalidRequestError('message must be an object', 'invalid_message');
  }
  const fields = message as Record<string, unknown>;
  if (fields.text === undefined && fields.attachment === undefined) {
    throw new InvalidRequestError('message needs text or an attachment', 'invalid_message');
  }
  if (fields.text !== undefined) {
    if (typeof fields.text !== 'string' || fields.text.length === 0) {
      throw new InvalidRequestError('message.text must be a non-empty string', 'invalid_message');
    }
    // Facebook counts characters, not UTF-16 units.
    if ([...fields.text].length >= MAX_TEXT_CHARS) {
      throw new InvalidRequestError(
        `message.text must be under ${MAX_TEXT_CHARS} characters`,
        'message_too_long',
      );
    }
  }
  if (Buffer.byteLength(JSON.stringify(fields)) > MAX_MESSAGE_BYTES) {
    throw new InvalidRequestError(
      `message must be at most ${MAX_MESSAGE_BYTES} bytes of JSON`,
      'message_too_long',
    );
  }
  return fields;
}

function normalizeIdempotencyKey(key: string | undefined): string | null {
  if (key === undefined || key === null) return null;
  if (
    typeof key !== 'string' ||
    key.length === 0 ||
    key.length > MAX_IDEMPOTENCY_KEY_LENGTH ||
    !/^[\x21-\x7e]+$/.test(key)
  ) {
    throw new InvalidRequestError(
      `The idempotency key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces`,
      'invalid_idempotency_key',
    );
  }
  return key;
}
