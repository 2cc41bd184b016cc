import { GraphApiError } from '../graph/graph-api.error';
import { sanitizeDedupKey, sanitizeDetails, sanitizeTitle } from './alert-details';

const TOKEN = 'EAABsecretTOKEN123456';

describe('sanitizeDetails', () => {
  it('redacts secret-named fields and tokens inside strings, keeping the diagnostic fields', () => {
    const error = new GraphApiError({
      httpStatus: 400,
      code: 190,
      fbtraceId: 'Trace1',
      message: `Bad token at /me?access_token=${TOKEN}&fields=id`,
    });
    const details = sanitizeDetails({
      error: error.toJSON(),
      pageAccessToken: TOKEN,
      header: `Bearer ${TOKEN}`,
    });
    expect(JSON.stringify(details)).not.toContain(TOKEN);
    expect(details).toMatchObject({
      error: {
        code: 190,
        fbtraceId: 'Trace1',
        kind: 'auth',
        message: expect.stringContaining('access_token=[REDACTED]'),
      },
      pageAccessToken: '[REDACTED]',
      header: 'Bearer [REDACTED]',
    });
  });

  it('stores an Error passed as such through its toJSON, or its name and message without the stack', () => {
    const graph = new GraphApiError({ code: 2, message: `try again access_token=${TOKEN}` });
    const plain = new TypeError(`oops access_token=${TOKEN}`);
    const details = sanitizeDetails({ graph, plain });
    expect(details.graph).toMatchObject({ code: 2, kind: 'transient' });
    expect(details.plain).toEqual({ type: 'TypeError', message: 'oops access_token=[REDACTED]' });
    expect(JSON.stringify(details)).not.toContain(TOKEN);
  });

  it('cuts nesting deeper than the redactor reaches, so nothing deep is stored unredacted', () => {
    let deep: Record<string, unknown> = { accessToken: TOKEN };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    expect(JSON.stringify(sanitizeDetails(deep))).not.toContain(TOKEN);
  });

  it('survives circular references, bigints, functions and non-finite numbers', () => {
    const circular: Record<string, unknown> = { n: 1n, f: () => 1, inf: Infinity };
    circular.self = circular;
    expect(sanitizeDetails(circular)).toEqual({ n: '1', inf: 'Infinity', self: '[circular]' });
  });

  it('bounds the stored size', () => {
    const details = sanitizeDetails({ items: Array.from({ length: 50 }, () => 'x'.repeat(2_000)) });
    expect(details).toMatchObject({ truncated: true });
    expect(JSON.stringify(details).length).toBeLessThan(17_000);
  });

  it('stores nothing for no details', () => {
    expect(sanitizeDetails(undefined)).toEqual({});
  });
});

describe('sanitizeTitle', () => {
  it('redacts, collapses whitespace, bounds length and falls back when empty', () => {
    expect(sanitizeTitle(`Send failed\n access_token=${TOKEN}`, 'send_failed')).toBe(
      'Send failed access_token=[REDACTED]',
    );
    expect(sanitizeTitle('   ', 'send_failed')).toBe('send_failed');
    expect(sanitizeTitle('x'.repeat(1_000), 'k')).toHaveLength(300);
  });
});

describe('sanitizeDedupKey', () => {
  it('redacts a token a caller put in a key', () => {
    expect(sanitizeDedupKey(`k:access_token=${TOKEN}`)).toBe('k:access_token=[REDACTED]');
  });
});
