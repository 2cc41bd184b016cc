import { InvalidRequestError } from '../common/errors/domain-error';
import { RecipientResolver, resolveDirect, toSendApiRecipient } from './recipient-resolver';
import type { SendRecipient } from './send-input';

const codeOf = (recipient: unknown): string | undefined => {
  try {
    resolveDirect(recipient as SendRecipient);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.code;
    throw error;
  }
  return undefined;
};

describe(RecipientResolver.name, () => {
  it('gives each kind of recipient its own lane key', () => {
    expect(resolveDirect({ id: '2400000000000001' })).toEqual({
      recipient: { id: '2400000000000001' },
      recipientKey: 'psid:2400000000000001',
      psid: '2400000000000001',
    });
    expect(resolveDirect({ phoneNumber: '+1 (415) 555-0123' })).toEqual({
      recipient: { phoneNumber: '+14155550123' },
      recipientKey: 'phone:+14155550123',
      psid: null,
    });
    expect(resolveDirect({ userRef: 'ref-1' })).toMatchObject({ recipientKey: 'user_ref:ref-1', psid: null });
  });

  it('refuses site user ids until account linking exists', async () => {
    await expect(new RecipientResolver().resolve('1', { userId: 'u1' })).rejects.toMatchObject({
      status: 400,
      code: 'account_linking_unavailable',
    });
  });

  it('refuses none, two, or malformed recipients', () => {
    expect(codeOf({})).toBe('invalid_recipient');
    expect(codeOf({ id: '1', userRef: 'x' })).toBe('invalid_recipient');
    expect(codeOf({ id: 'abc' })).toBe('invalid_recipient');
    expect(codeOf({ phoneNumber: '4155550123' })).toBe('invalid_recipient');
  });

  it("converts to the Send API's field names", () => {
    expect(toSendApiRecipient({ id: '1' })).toEqual({ id: '1' });
    expect(toSendApiRecipient({ phoneNumber: '+14155550123' })).toEqual({ phone_number: '+14155550123' });
    expect(toSendApiRecipient({ userRef: 'r' })).toEqual({ user_ref: 'r' });
  });
});
