import { InvalidRequestError } from '../common/errors/domain-error';
import { decodeAlertCursor, encodeAlertCursor } from './alert-cursor';

describe('alert cursor', () => {
  it('round-trips the position exactly, to the millisecond', () => {
    const position = {
      createdAt: new Date('2026-11-25T00:45:11.123Z'),
      id: '4f1b2c3d-0000-4000-8000-123456789abc',
    };
    expect(decodeAlertCursor(encodeAlertCursor(position))).toEqual(position);
  });

  it.each([
    ['not base64 JSON', 'garbage!'],
    ['a JSON object', Buffer.from('{"a":1}').toString('base64url')],
    ['a bad date', Buffer.from('["yesterday","4f1b2c3d-0000-4000-8000-123456789abc"]').toString('base64url')],
    ['a bad id', Buffer.from('["2026-11-25T00:45:11.123Z","1; DROP TABLE alerts"]').toString('base64url')],
  ])('rejects %s with a 400', (_what, text) => {
    expect(() => decodeAlertCursor(text)).toThrow(InvalidRequestError);
  });
});
