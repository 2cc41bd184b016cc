import { ConflictError, NotFoundError, ServiceUnavailableError } from '../common/errors/domain-error';

export class InboundEventNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('Inbound event', id, 'inbound_event_not_found');
  }
}

/** Postgres could not take the events: the webhook answers 503 so Facebook delivers them again. */
export class InboxUnavailableError extends ServiceUnavailableError {
  constructor(reason: string) {
    super(`The inbox is unavailable (${reason}); retry later`, 'inbox_unavailable', 5);
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * True when an error means "Postgres is not reachable or not accepting work right now" (worth a
 * retry later) rather than a bug in the statement.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const err = error as { code?: unknown; message?: unknown; driverError?: { code?: unknown } } | null;
  const rawCode = err?.driverError?.code ?? err?.code;
  const code = typeof rawCode === 'string' ? rawCode : '';
  if (CONNECTION_ERROR_CODES.has(code)) return true;
  // 08: connection exception; 53: insufficient resources; 57P01-57P03: shutdown / cannot connect now;
  // 40001/40P01: serialization failure and deadlock (a retry succeeds).
  if (/^(08|53)/.test(code) || /^57P0[123]$/.test(code) || code === '40001' || code === '40P01') return true;
  const message = typeof err?.message === 'string' ? err.message : '';
  return /Connection terminated|connection error|timeout exceeded when trying to connect|Connection refused/i.test(
    message,
  );
}

export class EventNotReplayableError extends ConflictError {
  constructor(id: string, status: string) {
    super(
      `Event ${id} is ${status}; only failed, done or ignored events can be replayed`,
      'event_not_replayable',
    );
  }
}
