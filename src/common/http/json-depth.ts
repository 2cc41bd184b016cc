/**
 * JSON nested deeper than this is refused with 400 on every route. Messenger envelopes and admin
 * bodies nest about ten levels; a deeper body is an attempt to exhaust the stack of whatever walks it
 * (validation, redaction, logging).
 */
export const JSON_MAX_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * Whether the JSON text nests objects/arrays deeper than `maxDepth`, found in one pass over the bytes
 * without parsing (brackets inside strings do not count). Malformed text is left to the parser.
 */
export function jsonTooDeep(text: Buffer, maxDepth = JSON_MAX_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}
