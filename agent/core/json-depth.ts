/**
 * Nesting depth of JSON text, found by one linear pass over its bytes without parsing: `{` and `[` outside
 * strings open a level, `}` and `]` close one. Used before JSON.parse and before anything that walks a
 * parsed value recursively (JSON.stringify of an echoed field, signature checks): a 10 KB body nested
 * 5,000 levels deep overflowed the stack in such a walk and stopped the agent (issue 16).
 */

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting in `bytes` (0 for a scalar), or `stopAbove + 1` as soon as that is exceeded, so a
 * hostile input costs no more than the bytes read up to that point. Malformed text is not rejected here
 * (JSON.parse does that); UTF-8 continuation bytes never equal an ASCII delimiter, so bytes are enough.
 */
export function jsonNestingDepth(bytes: Uint8Array, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (b === BACKSLASH) escaped = true;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && depth > 0) depth -= 1;
  }
  return deepest;
}
