/** Query parameters that carry secrets in Graph API and OAuth URLs. */
const SECRET_PARAMS = /\b(access_token|verify_token|appsecret_proof|fb_exchange_token|client_secret|input_token|account_linking_token|authorization_code)=([^&\s"'#]+)/gi;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
/** Field names that hold secrets; fingerprints and expiry dates of tokens are not secret. */
const SECRET_KEY = /(token|secret|password|passwd|authorization|proof|api[-_]?key|cookie|encryption[-_]?key|ciphertext|auth[-_]?tag)/i;
const NOT_SECRET_KEY = /(fingerprint|expir|scopes?$|type$|count$|kind$)/i;

export const REDACTED = '[REDACTED]';

export function redactText(text: string): string {
  return text.replace(SECRET_PARAMS, `$1=${REDACTED}`).replace(BEARER, `$1 ${REDACTED}`);
}

export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);

/** A deep copy of `value` with secret-named fields and secret URL parameters replaced. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Date) return value;
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
