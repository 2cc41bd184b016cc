import { ConflictError, DomainError, NotFoundError, UnprocessableError } from '../common/errors/domain-error';
import { GraphApiError } from '../graph/graph-api.error';

export class PageNotFoundError extends NotFoundError {
  constructor(pageId: string) {
    super('Page', pageId, 'page_not_found');
  }
}

export class PageRemovedError extends ConflictError {
  constructor(pageId: string) {
    super(`Page ${pageId} was removed; register it again with POST /admin/pages`, 'page_removed');
  }
}

export type TokenUnavailableReason = 'removed' | 'undecryptable';

/** The Page has no usable token: removed, or its ciphertext cannot be opened with the configured keys. */
export class PageTokenUnavailableError extends DomainError {
  readonly status = 409;
  readonly code = 'page_token_unavailable';
  constructor(
    readonly pageId: string,
    readonly reason: TokenUnavailableReason,
    message = `Page ${pageId} has no token (it was removed)`,
  ) {
    super(message, { pageId, reason });
  }
}

export type PageTokenProblem =
  | 'token_invalid'
  | 'not_a_page_token'
  | 'token_of_another_app'
  | 'missing_permission'
  | 'token_page_mismatch'
  | 'page_id_mismatch';

/** Facebook accepted the token but it cannot serve this Page (wrong type, app, Page or scopes). */
export class PageTokenUnsuitableError extends UnprocessableError {
  constructor(code: PageTokenProblem, message: string, details?: Record<string, unknown>) {
    super(message, code, details);
  }
}

/** Facebook answered and refused the call: its code, subcode, trace id and message are passed on. */
export class GraphRejectedError extends UnprocessableError {
  constructor(error: GraphApiError, code = 'graph_token_rejected') {
    super(error.message, code, {
      graphCode: error.code,
      graphSubcode: error.subcode,
      fbtraceId: error.fbtraceId,
    });
  }
}

/** Facebook could not be reached, timed out, failed or throttled us: nothing was changed. */
export class BadGatewayError extends DomainError {
  readonly status = 502;
  readonly code: string;
  constructor(message: string, code = 'graph_unavailable', details?: Record<string, unknown>) {
    super(message, details);
    this.code = code;
  }
}

/** Graph API failures an admin call hands back: unreachable -> 502, refused -> 422. Others pass through. */
export function toDomainError(error: unknown, rejectedCode = 'graph_token_rejected'): unknown {
  if (!(error instanceof GraphApiError)) return error;
  if (error.httpStatus === undefined || error.kind === 'transient' || error.kind === 'throttled') {
    return new BadGatewayError(
      error.httpStatus === undefined
        ? 'The Graph API could not be reached; nothing was changed'
        : `The Graph API failed (${error.kind}); nothing was changed`,
      error.kind === 'throttled' ? 'graph_throttled' : 'graph_unavailable',
      {
        graphCode: error.code,
        httpStatus: error.httpStatus,
        fbtraceId: error.fbtraceId,
        retryAfterSeconds: error.retryAfterSeconds,
      },
    );
  }
  const tokenRejected = error.isTokenInvalid;
  return new GraphRejectedError(error, tokenRejected ? 'graph_token_rejected' : rejectedCode);
}

/** Runs a Graph call and turns its failure into the admin API's answer. */
export async function graphCall<T>(call: () => Promise<T>, rejectedCode?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDomainError(error, rejectedCode);
  }
}
