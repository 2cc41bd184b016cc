/** Query parameters that carry secrets in Graph API and OAuth URLs. */
const SECRET_PARAMS = /\b(access_token|verify_token|appsecret_proof|fb_exchange_token|client_secret|input_token|account_linking_token|authorization_code)=([^&\s"'#]+)/gi;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
/**
 * The password of `scheme://user:password@host` (DATABASE_URL, REDIS_URL, any URL quoted in an error).
 * The password runs to the last `@` before the path, as URL parsers read it, so an unencoded `@` in it
 * is hidden too; the user name is kept, it helps to tell connections apart and is not a credential.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#"'<>]*):[^\s/?#"'<>]*@/gi;
/** Field names that hold secrets; fingerprints and expiry dates of tokens are not secret. */
const SECRET_KEY = /(token|secret|password|passwd|authorization|proof|api[-_]?key|cookie|encryption[-_]?key|ciphertext|auth[-_]?tag)/i;
const NOT_SECRET_KEY = /(fingerprint|expir|scopes?$|type$|count$|kind$)/i;

export const REDACTED = '[REDACTED]';
/** What stands for an object nested deeper than the redactor walks: it is never written unredacted. */
export const TRUNCATED = '[Truncated]';
const MAX_DEPTH = 8;

/** `postgres://user:pw@host/db` -> `postgres://user:[REDACTED]@host/db`, wherever it appears in `text`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, `$1:${REDACTED}@`);
}

export function redactText(text: string): string {
  return redactUrlCredentials(text).replace(SECRET_PARAMS, `$1=${REDACTED}`).replace(BEARER, `$1 ${REDACTED}`);
}

export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);

/** A deep copy of `value` with secret-named fields and secret URL parameters replaced. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  // Past the limit nothing below is looked at, so nothing below may be written either.
  if (depth > MAX_DEPTH) return TRUNCATED;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message), stack: value.stack && redactText(value.stack) };
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = isSecretKey(key) && v !== null && v !== undefined && typeof v !== 'boolean' ? REDACTED : redactSecrets(v, depth + 1);
  }
  return out;
}
