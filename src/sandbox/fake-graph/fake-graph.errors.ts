import { randomBytes } from 'node:crypto';

export interface FacebookErrorSpec {
  code: number;
  error_subcode?: number;
  message?: string;
  type?: string;
}

export const fbtraceId = (): string => randomBytes(8).toString('base64url');

/** A failure answered in Facebook's error shape: `{ error: { message, type, code, error_subcode, fbtrace_id } }`. */
export class FakeGraphError extends Error {
  constructor(
    readonly status: number,
    readonly spec: FacebookErrorSpec,
    readonly headers: Record<string, string> = {},
  ) {
    super(spec.message ?? `(#${spec.code}) error`);
  }

  body(): { error: Record<string, unknown> } {
    return {
      error: {
        message: this.message,
        type: this.spec.type ?? 'OAuthException',
        code: this.spec.code,
        ...(this.spec.error_subcode === undefined ? {} : { error_subcode: this.spec.error_subcode }),
        fbtrace_id: fbtraceId(),
      },
    };
  }
}

// The errors Facebook gives for the situations the fake reproduces (messages as Facebook words them).
export const GraphErrors = {
  noToken: () =>
    new FakeGraphError(400, {
      code: 2500,
      message: 'An active access token must be used to query information about the current user.',
    }),
  unknownToken: () =>
    new FakeGraphError(400, { code: 190, message: 'Invalid OAuth access token - Cannot parse access token' }),
  revokedToken: () =>
    new FakeGraphError(
      401,
      {
        code: 190,
        error_subcode: 460,
        message:
          'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
      },
      { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token" "Error validating access token"' },
    ),
  expiredToken: () =>
    new FakeGraphError(
      401,
      { code: 190, error_subcode: 463, message: 'Error validating access token: Session has expired.' },
      { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token" "Error validating access token"' },
    ),
  badProof: () =>
    new FakeGraphError(400, {
      code: 100,
      type: 'GraphMethodException',
      message: 'Invalid appsecret_proof provided in the API argument',
    }),
  pageTokenRequired: () =>
    new FakeGraphError(400, {
      code: 210,
      message: '(#210) A page access token is required to request this resource.',
    }),
  missingPermission: (permission: string, code = 200) =>
    new FakeGraphError(403, {
      code,
      message: `(#${code}) Requires ${permission} permission to manage the object`,
    }),
  invalidParameter: (message: string, subcode?: number) =>
    new FakeGraphError(400, { code: 100, error_subcode: subcode, message: `(#100) ${message}` }),
  noMatchingUser: () =>
    new FakeGraphError(400, { code: 100, error_subcode: 2018001, message: '(#100) No matching user found' }),
  noSuchObject: (id: string) =>
    new FakeGraphError(400, {
      code: 100,
      error_subcode: 33,
      type: 'GraphMethodException',
      message: `Unsupported request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    }),
  badClientId: () =>
    new FakeGraphError(400, { code: 101, message: 'Error validating application. Invalid application ID.' }),
  // Facebook really answers a wrong client secret with code 1 (which reads as "unknown error").
  badClientSecret: () => new FakeGraphError(400, { code: 1, message: 'Error validating client secret.' }),
  unknownPath: (path: string) =>
    new FakeGraphError(400, { code: 2500, message: `Unknown path components: ${path}` }),
  unexpected: () =>
    new FakeGraphError(500, {
      code: 2,
      message: 'An unexpected error has occurred. Please retry your request later.',
    }),
};
