/** What the caller should do about a Graph API failure. */
export type GraphErrorKind = 'transient' | 'throttled' | 'recipient' | 'auth' | 'permanent';

export interface GraphErrorFields {
  httpStatus?: number;
  code?: number;
  subcode?: number;
  type?: string;
  fbtraceId?: string;
  message: string;
}

/**
 * The one classification table (MESSENGER.md, "Send API" errors). Order matters: the first row that
 * matches wins. Network failures and timeouts have no code and fall to the HTTP-status rows.
 */
// Each row's comment says what Facebook means by it.
const CLASSIFICATION: ReadonlyArray<{ kind: GraphErrorKind; matches: (e: GraphErrorFields) => boolean }> = [
  // outside the 24-hour window
  { kind: 'recipient', matches: (e) => e.code === 10 && e.subcode === 2018278 },
  // no matching user
  { kind: 'recipient', matches: (e) => e.subcode === 2018001 },
  // person unavailable
  { kind: 'recipient', matches: (e) => e.code === 551 },
  // invalid or expired token
  { kind: 'auth', matches: (e) => e.code === 190 || e.code === 102 },
  // missing permission
  { kind: 'auth', matches: (e) => e.code === 10 || (e.code !== undefined && e.code >= 200 && e.code <= 299) },
  // blocked for policy reasons
  { kind: 'auth', matches: (e) => e.code === 368 },
  // rate limited
  { kind: 'throttled', matches: (e) => [4, 17, 32, 613].includes(e.code ?? -1) || e.httpStatus === 429 },
  // temporary Facebook failure
  { kind: 'transient', matches: (e) => [1, 2, 1200].includes(e.code ?? -1) },
  // server or network failure
  { kind: 'transient', matches: (e) => e.httpStatus === undefined || e.httpStatus >= 500 },
  // request rejected
  { kind: 'permanent', matches: () => true },
];

export function classifyGraphError(fields: GraphErrorFields): GraphErrorKind {
  return CLASSIFICATION.find((row) => row.matches(fields))!.kind;
}

/**
 * A failed Graph API call. Carries Facebook's code, subcode and trace id, never the token or the
 * URL it was called with (the message is Facebook's, scrubbed of anything token-like).
 */
export class GraphApiError extends Error {
  readonly httpStatus?: number;
  readonly code?: number;
  readonly subcode?: number;
  readonly type?: string;
  readonly fbtraceId?: string;
  readonly kind: GraphErrorKind;
  /** Seconds Facebook asked us to wait (Retry-After), when it said. */
  readonly retryAfterSeconds?: number;

  constructor(fields: GraphErrorFields & { retryAfterSeconds?: number }) {
    super(fields.message);
    this.name = 'GraphApiError';
    this.httpStatus = fields.httpStatus;
    this.code = fields.code;
    this.subcode = fields.subcode;
    this.type = fields.type;
    this.fbtraceId = fields.fbtraceId;
    this.retryAfterSeconds = fields.retryAfterSeconds;
    this.kind = classifyGraphError(fields);
  }

  /** The token is invalid, expired or the session is gone (190, or the legacy 102). */
  get isTokenInvalid(): boolean {
    return this.code === 190 || this.code === 102;
  }

  /** Policy block (368): the Page is paused rather than marked token-invalid. */
  get isPolicyBlock(): boolean {
    return this.code === 368;
  }

  /** A plain-object form for storing in rows, alerts and API answers. */
  toJSON(): GraphErrorFields & { kind: GraphErrorKind; retryAfterSeconds?: number } {
    return {
      kind: this.kind,
      httpStatus: this.httpStatus,
      code: this.code,
      subcode: this.subcode,
      type: this.type,
      fbtraceId: this.fbtraceId,
      message: this.message,
      retryAfterSeconds: this.retryAfterSeconds,
    };
  }
}
