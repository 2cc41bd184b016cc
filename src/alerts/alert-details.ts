import { redactSecrets, redactText } from '../logging/redact';

const MAX_DEPTH = 6;
const MAX_STRING = 2_000;
const MAX_ARRAY = 50;
const MAX_DETAILS_JSON = 16_000;
const MAX_TITLE = 300;
const MAX_DEDUP_KEY = 300;

/**
 * Alert details as they are stored: plain JSON, bounded in size and depth, secrets redacted. The depth
 * cap sits below the redactor's own so nothing deep slips through unredacted.
 */
export function sanitizeDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!details) return {};
  const plain = redactSecrets(toPlain(details, 0, new WeakSet())) as Record<string, unknown>;
  const json = JSON.stringify(plain);
  if (json.length <= MAX_DETAILS_JSON) return plain;
  return { truncated: true, preview: json.slice(0, MAX_DETAILS_JSON) };
}

export function sanitizeTitle(title: string, fallback: string): string {
  const text = redactText(String(title ?? ''))
    .replace(/\s+/g, ' ')
    .trim();
  return (text || fallback).slice(0, MAX_TITLE);
}

export function sanitizeDedupKey(key: string): string {
  return redactText(key).slice(0, MAX_DEDUP_KEY);
}

function toPlain(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return redactText(value).slice(0, MAX_STRING);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined; // functions, symbols
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return toPlain(withJson.toJSON(), depth, seen);
  // An Error without toJSON: its name and message, not its stack (paths and quoted inputs).
  if (value instanceof Error) return { type: value.name, message: toPlain(value.message, depth + 1, seen) };
  if (Array.isArray(value)) return value.slice(0, MAX_ARRAY).map((v) => toPlain(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const plain = toPlain(v, depth + 1, seen);
    if (plain !== undefined) out[key] = plain;
  }
  return out;
}
