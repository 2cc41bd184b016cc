import { InvalidRequestError } from '../common/errors/domain-error';
import { DEFAULT_SEND_ALLOWED_TAGS } from '../config/send.config';
import { normalizeSendInput, type SendInput } from './send-input';

const base: SendInput = { pageId: '1', recipient: { id: '2' } };
const normalize = (over: Partial<SendInput>) =>
  normalizeSendInput({ ...base, ...over }, DEFAULT_SEND_ALLOWED_TAGS);
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.code;
    throw error;
  }
  return undefined;
};

describe('normalizeSendInput', () => {
  it('defaults a message to RESPONSE', () => {
    expect(normalize({ message: { text: 'hi' } })).toEqual({
      payload: { message: { text: 'hi' } },
      messagingType: 'RESPONSE',
      tag: null,
      notificationType: null,
      idempotencyKey: null,
    });
  });

  it('treats a tag given alone as MESSAGE_TAG', () => {
    expect(normalize({ message: { text: 'x' }, tag: 'ACCOUNT_UPDATE' })).toMatchObject({
      messagingType: 'MESSAGE_TAG',
      tag: 'ACCOUNT_UPDATE',
    });
  });

  it('refuses a tag that is not in SEND_ALLOWED_TAGS', () => {
    expect(codeOf(() => normalize({ message: { text: 'x' }, tag: 'CONFIRMED_EVENT_REMINDER' }))).toBe(
      'tag_not_allowed',
    );
  });

  it('follows the configured tag list', () => {
    const input = { ...base, message: { text: 'x' }, tag: 'HUMAN_AGENT' };
    expect(codeOf(() => normalizeSendInput(input, ['ACCOUNT_UPDATE']))).toBe('tag_not_allowed');
  });

  it('refuses MESSAGE_TAG without a tag, and a tag with another messaging type', () => {
    expect(codeOf(() => normalize({ message: { text: 'x' }, messagingType: 'MESSAGE_TAG' }))).toBe(
      'tag_required',
    );
    expect(
      codeOf(() => normalize({ message: { text: 'x' }, messagingType: 'UPDATE', tag: 'ACCOUNT_UPDATE' })),
    ).toBe('invalid_messaging_type');
  });

  it('needs exactly one of message and senderAction', () => {
    expect(codeOf(() => normalize({}))).toBe('invalid_message');
    expect(codeOf(() => normalize({ message: { text: 'x' }, senderAction: 'typing_on' }))).toBe(
      'invalid_message',
    );
  });

  it('accepts a sender action without a messaging type', () => {
    expect(normalize({ senderAction: 'mark_seen' })).toMatchObject({
      payload: { senderAction: 'mark_seen' },
      messagingType: null,
    });
    expect(codeOf(() => normalize({ senderAction: 'typing_on', tag: 'ACCOUNT_UPDATE' }))).toBe(
      'invalid_messaging_type',
    );
  });

  it('refuses text of 2000 characters or more, counting characters rather than UTF-16 units', () => {
    expect(codeOf(() => normalize({ message: { text: 'a'.repeat(2000) } }))).toBe('message_too_long');
    expect(normalize({ message: { text: 'a'.repeat(1999) } }).payload).toEqual({
      message: { text: 'a'.repeat(1999) },
    });
    // 1999 emoji are 3998 UTF-16 units but 1999 characters.
    expect(codeOf(() => normalize({ message: { text: '😀'.repeat(1999) } }))).toBeUndefined();
  });

  it('needs text or an attachment', () => {
    expect(codeOf(() => normalize({ message: { quick_replies: [] } }))).toBe('invalid_message');
    expect(codeOf(() => normalize({ message: { attachment: { type: 'image' } } }))).toBeUndefined();
  });

  it('checks the idempotency key', () => {
    expect(normalize({ message: { text: 'x' }, idempotencyKey: 'order-42' }).idempotencyKey).toBe('order-42');
    expect(codeOf(() => normalize({ message: { text: 'x' }, idempotencyKey: 'has space' }))).toBe(
      'invalid_idempotency_key',
    );
    expect(codeOf(() => normalize({ message: { text: 'x' }, idempotencyKey: 'k'.repeat(256) }))).toBe(
      'invalid_idempotency_key',
    );
  });
});
