import { CLASSIFICATION_ROWS } from './classification-rows.spec-fixture';
import { classifyGraphError, GraphApiError } from './graph-api.error';

describe(GraphApiError.name, () => {
  it.each(CLASSIFICATION_ROWS)('classifies $name as $kind', ({ fields, kind }) => {
    expect(classifyGraphError({ ...fields, message: 'x' })).toBe(kind);
    expect(new GraphApiError({ ...fields, message: 'x' }).kind).toBe(kind);
  });

  it('flags 368 as a policy block and nothing else', () => {
    expect(new GraphApiError({ httpStatus: 400, code: 368, message: 'blocked' }).isPolicyBlock).toBe(true);
    expect(new GraphApiError({ httpStatus: 400, code: 190, message: 'token' }).isPolicyBlock).toBe(false);
  });

  it.each([
    [190, true],
    [102, true],
    [200, false],
    [368, false],
    [undefined, false],
  ])('answers isTokenInvalid for code %s: %s', (code, expected) => {
    expect(new GraphApiError({ httpStatus: 400, code, message: 'x' }).isTokenInvalid).toBe(expected);
  });

  it('serializes to a plain object with its kind and Retry-After', () => {
    const error = new GraphApiError({
      httpStatus: 429,
      code: 613,
      subcode: 1,
      type: 'OAuthException',
      fbtraceId: 'trace',
      message: 'slow down',
      retryAfterSeconds: 30,
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      kind: 'throttled',
      httpStatus: 429,
      code: 613,
      subcode: 1,
      type: 'OAuthException',
      fbtraceId: 'trace',
      message: 'slow down',
      retryAfterSeconds: 30,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('GraphApiError');
  });
});
