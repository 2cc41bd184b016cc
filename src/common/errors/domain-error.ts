/**
 * Base of every error a service throws on purpose. The global filter turns it into an HTTP answer,
 * so services never build responses. `message` must never contain a secret.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** A stable machine-readable code, e.g. `page_not_found`. */
  abstract readonly code: string;
  /** Extra fields for the response body (never secrets). */
  readonly details?: Record<string, unknown>;

  constructor(message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly code: string;
  constructor(what: string, id: string, code = 'not_found') {
    super(`${what} ${id} not found`);
    this.code = code;
  }
}

export class ConflictError extends DomainError {
  readonly status = 409;
  constructor(
    message: string,
    readonly code = 'conflict',
  ) {
    super(message);
  }
}

export class InvalidRequestError extends DomainError {
  readonly status = 400;
  constructor(
    message: string,
    readonly code = 'invalid_request',
    details?: Record<string, unknown>,
  ) {
    super(message, details);
  }
}

export class UnprocessableError extends DomainError {
  readonly status = 422;
  constructor(
    message: string,
    readonly code = 'unprocessable',
    details?: Record<string, unknown>,
  ) {
    super(message, details);
  }
}

export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
  constructor(
    message: string,
    readonly code = 'service_unavailable',
    readonly retryAfterSeconds = 5,
  ) {
    super(message);
  }
}
