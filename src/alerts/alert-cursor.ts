import { InvalidRequestError } from '../common/errors/domain-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AlertCursor {
  createdAt: Date;
  id: string;
}

/** Opaque to clients: base64url of the last item's creation time (ms, as stored) and id. */
export function encodeAlertCursor(cursor: AlertCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}

export function decodeAlertCursor(text: string): AlertCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [at, id] = parsed as unknown[];
      const createdAt = typeof at === 'string' ? new Date(at) : new Date(NaN);
      if (!Number.isNaN(createdAt.getTime()) && typeof id === 'string' && UUID.test(id))
        return { createdAt, id };
    }
  } catch {
    // Falls through to the 400 below.
  }
  throw new InvalidRequestError(
    'cursor is not valid: pass nextCursor from a previous answer',
    'invalid_cursor',
  );
}
