import { Injectable } from '@nestjs/common';
import { InvalidRequestError } from '../common/errors/domain-error';
import type { SendApiRecipient } from '../graph/graph-api.types';
import type { OutboundRecipient } from './outbound-message.entity';
import { AccountLinkingUnavailableError } from './send.errors';
import type { SendRecipient } from './send-input';

export interface ResolvedRecipient {
  /** What is stored and later sent (a PSID once `{ userId }` is resolved). */
  recipient: OutboundRecipient;
  /** The lane: messages with the same key on one Page are sent one at a time, in order. */
  recipientKey: string;
  /** Set when the recipient is a PSID, so the 24-hour window can be checked. */
  psid: string | null;
}

const PSID = /^\d{1,32}$/;
// E.164: '+', country code, up to 15 digits. Spaces, dashes, dots and brackets are dropped first.
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Turns the caller's recipient into what the outbox stores. The seam for account linking: a
 * `{ userId }` will resolve here to the PSID linked on this Page (lane `user:<id>` or the PSID's).
 */
@Injectable()
export class RecipientResolver {
  // eslint-disable-next-line @typescript-eslint/require-await -- async so every refusal is a rejection
  async resolve(_pageId: string, recipient: SendRecipient): Promise<ResolvedRecipient> {
    return resolveDirect(recipient);
  }
}

export function resolveDirect(recipient: SendRecipient): ResolvedRecipient {
  const given = typeof recipient === 'object' && recipient !== null ? Object.keys(recipient) : [];
  if (given.length !== 1) {
    throw new InvalidRequestError(
      'recipient must have exactly one of id, phoneNumber, userRef, userId',
      'invalid_recipient',
    );
  }
  if ('userId' in recipient) throw new AccountLinkingUnavailableError();
  if ('id' in recipient) {
    const id = String(recipient.id);
    if (!PSID.test(id))
      throw new InvalidRequestError('recipient.id must be a PSID (digits)', 'invalid_recipient');
    return { recipient: { id }, recipientKey: `psid:${id}`, psid: id };
  }
  if ('phoneNumber' in recipient) {
    const phone = String(recipient.phoneNumber).replace(/[\s\-.()]/g, '');
    if (!E164.test(phone)) {
      throw new InvalidRequestError(
        'recipient.phoneNumber must be an international number like +14155550123',
        'invalid_recipient',
      );
    }
    return { recipient: { phoneNumber: phone }, recipientKey: `phone:${phone}`, psid: null };
  }
  if ('userRef' in recipient) {
    const ref = String(recipient.userRef);
    if (ref.length === 0 || ref.length > 255) {
      throw new InvalidRequestError('recipient.userRef must be 1-255 characters', 'invalid_recipient');
    }
    return { recipient: { userRef: ref }, recipientKey: `user_ref:${ref}`, psid: null };
  }
  throw new InvalidRequestError(
    'recipient must have exactly one of id, phoneNumber, userRef, userId',
    'invalid_recipient',
  );
}

/** The Send API's own field names. */
export function toSendApiRecipient(recipient: OutboundRecipient): SendApiRecipient {
  if ('id' in recipient) return { id: recipient.id };
  if ('phoneNumber' in recipient) return { phone_number: recipient.phoneNumber };
  return { user_ref: recipient.userRef };
}
