import { GraphApiError } from '../graph/graph-api.error';
import { decideOnError, describeSendError, retryDelayMs, throttleDelayMs } from './send-error-policy';
import { HINTS } from './send-error-hints';

const graphError = (fields: Partial<ConstructorParameters<typeof GraphApiError>[0]>) =>
  new GraphApiError({ httpStatus: 400, message: 'refused', ...fields });

describe('send error policy', () => {
  it.each([
    ['5xx', graphError({ httpStatus: 503 }), { action: 'retry' }],
    ['network failure', graphError({ httpStatus: undefined }), { action: 'retry' }],
    ['1200 temporary', graphError({ code: 1200 }), { action: 'retry' }],
    ['613 throttled', graphError({ code: 613 }), { action: 'throttle' }],
    ['HTTP 429', graphError({ httpStatus: 429 }), { action: 'throttle' }],
    ['551 unavailable', graphError({ code: 551 }), { action: 'fail', alert: false }],
    [
      '2018001 no matching user',
      graphError({ code: 100, subcode: 2018001 }),
      { action: 'fail', alert: false },
    ],
    ['10/2018278 window', graphError({ code: 10, subcode: 2018278 }), { action: 'fail', alert: false }],
    ['100 invalid parameter', graphError({ code: 100 }), { action: 'fail', alert: true }],
    ['190 invalid token', graphError({ code: 190 }), { action: 'hold', page: 'token_invalid' }],
    ['200 permission', graphError({ code: 200 }), { action: 'hold', page: 'token_invalid' }],
    ['368 policy block', graphError({ code: 368 }), { action: 'hold', page: 'paused' }],
  ])('%s -> %j', (_name, error, decision) => {
    expect(decideOnError(error)).toEqual(decision);
  });

  it('retries an error that is not from the Graph API', () => {
    expect(decideOnError(new Error('boom'))).toEqual({ action: 'retry' });
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(retryDelayMs(1, 2_000, 900_000, () => 1)).toBe(2_000);
    expect(retryDelayMs(4, 2_000, 900_000, () => 1)).toBe(16_000);
    expect(retryDelayMs(20, 2_000, 900_000, () => 1)).toBe(900_000);
    expect(retryDelayMs(4, 2_000, 900_000, () => 0)).toBe(0);
    expect(retryDelayMs(4, 2_000, 900_000, () => 0.5)).toBe(8_000);
  });

  it("waits what Facebook's Retry-After says when throttled", () => {
    expect(
      throttleDelayMs(graphError({ code: 613, retryAfterSeconds: 30 }), 1, 5_000, 900_000, () => 0),
    ).toBe(30_000);
  });

  it('honours Retry-After beyond the retry cap, up to an hour', () => {
    expect(throttleDelayMs(graphError({ code: 613, retryAfterSeconds: 30 }), 1, 50, 200, () => 0)).toBe(
      30_000,
    );
    expect(throttleDelayMs(graphError({ code: 613, retryAfterSeconds: 86_400 }), 1, 50, 200, () => 0)).toBe(
      3_600_000,
    );
  });

  it('otherwise waits at least half the throttle backoff', () => {
    expect(throttleDelayMs(graphError({ code: 613 }), 1, 5_000, 900_000, () => 0)).toBe(2_500);
    expect(throttleDelayMs(graphError({ code: 613 }), 3, 5_000, 900_000, () => 1)).toBe(20_000);
  });

  describe('the stored error', () => {
    it("carries Facebook's fields and a hint for common causes", () => {
      const error = graphError({
        code: 100,
        subcode: 2018001,
        fbtraceId: 'T1',
        message: 'No matching user found',
      });
      expect(describeSendError(error, { id: '1' })).toEqual({
        kind: 'recipient',
        code: 100,
        subcode: 2018001,
        httpStatus: 400,
        fbtraceId: 'T1',
        message: 'No matching user found',
        hint: HINTS.noMatchingUser,
      });
    });

    it.each([
      [graphError({ code: 10, subcode: 2018278 }), { id: '1' }, HINTS.outsideWindow],
      [graphError({ code: 551 }), { id: '1' }, HINTS.unavailable],
      [graphError({ code: 190 }), { id: '1' }, HINTS.tokenInvalid],
      [graphError({ code: 100, subcode: 2018001 }), { phoneNumber: '+14155550123' }, HINTS.phoneRefused],
    ])('hint for %s', (error, recipient, hint) => {
      expect(describeSendError(error, recipient).hint).toBe(hint);
    });

    it('has no hint for an uncommon cause', () => {
      expect(describeSendError(graphError({ httpStatus: 502 }), { id: '1' }).hint).toBeUndefined();
    });
  });
});
