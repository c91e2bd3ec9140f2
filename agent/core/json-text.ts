/**
 * JSON.parse for files an operator points us at, with errors that never quote the file. V8's message for a
 * stray character quotes the text around it (`Unexpected token 'p', "password=hunter2" is not valid JSON`):
 * a manifest path set by mistake to a secret file put its first bytes into the log. Here an error gives
 * the line and column, and a description only when V8's own is free of file text.
 */

export type JsonTextResult = { ok: true; value: unknown } | { ok: false; line: number; col: number; reason: string };

/** Parses `text`; on a syntax error, where it is (1-based line and column) and what, without any of the text. */
export function parseJsonText(text: string): JsonTextResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = (err as Error).message;
    // V8 gives a position for most errors, not for a stray character: the scanner finds that one.
    const given = /at position (\d+)/.exec(message)?.[1];
    const offset = given === undefined ? firstJsonErrorOffset(text) : Number(given);
    return { ok: false, ...lineCol(text, offset), reason: describe(message, offset >= text.length) };
  }
}

/** One line for an error message: `line 3, column 7: expected ',' or '}' after property value`. */
export function formatJsonError(result: Extract<JsonTextResult, { ok: false }>): string {
  return `line ${result.line}, column ${result.col}: ${result.reason}`;
}

// V8 messages that describe the grammar only (no quoted input), e.g. "Expected ':' after property name in JSON at position 5".
const GRAMMAR_ONLY = /^((?:Expected|Unterminated|Bad control character|Bad escaped character|Exponent part is missing|No number after)[^"]*?)(?: in JSON)?(?: at position \d+.*)?$/;

function describe(message: string, atEnd: boolean): string {
  if (atEnd) return 'unexpected end of the file (a bracket, brace or quote is not closed)';
  const grammar = GRAMMAR_ONLY.exec(message)?.[1];
  return grammar === undefined ? 'unexpected character' : grammar.charAt(0).toLowerCase() + grammar.slice(1);
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: offset - start + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'];

/**
 * Offset of the first character that makes `text` invalid JSON (text.length when it ends too early).
 * Iterative, with an explicit stack: a file of 100 000 `[` must not overflow ours where JSON.parse did not.
 */
export function firstJsonErrorOffset(text: string): number {
  const stack: string[] = [];
  type State = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'after';
  let state: State = 'value';
  let i = 0;
  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
    if (i >= text.length) return text.length;
    const c = text[i]!;
    if (state === 'value' || state === 'valueOrClose') {
      if (state === 'valueOrClose' && c === ']') {
        stack.pop();
        i++;
        state = 'after';
      } else if (c === '{' || c === '[') {
        stack.push(c);
        i++;
        state = c === '{' ? 'keyOrClose' : 'valueOrClose';
      } else if (c === '"') {
        const end = stringEnd(text, i);
        if (end < 0) return -end - 1;
        i = end;
        state = 'after';
      } else {
        NUMBER.lastIndex = i;
        const literal = LITERALS.find((l) => text.startsWith(l, i));
        if (literal !== undefined) i += literal.length;
        else if (NUMBER.test(text)) i = NUMBER.lastIndex;
        else return i;
        state = 'after';
      }
    } else if (state === 'key' || state === 'keyOrClose') {
      if (state === 'keyOrClose' && c === '}') {
        stack.pop();
        i++;
        state = 'after';
      } else if (c === '"') {
        const end = stringEnd(text, i);
        if (end < 0) return -end - 1;
        i = end;
        state = 'colon';
      } else {
        return i;
      }
    } else if (state === 'colon') {
      if (c !== ':') return i;
      i++;
      state = 'value';
    } else {
      const top = stack.at(-1);
      if (top === undefined) return i; // something after the one top-level value
      if (c === ',') state = top === '{' ? 'key' : 'value';
      else if ((c === '}' && top === '{') || (c === ']' && top === '[')) stack.pop();
      else return i;
      i++;
    }
  }
}

/** Offset just past the string starting at `start`, or -(offset of the fault) - 1. */
function stringEnd(text: string, start: number): number {
  for (let j = start + 1; j < text.length; j++) {
    const code = text.charCodeAt(j);
    if (code === 34) return j + 1; // "
    if (code < 0x20) return -j - 1;
    if (code === 92) {
      // backslash
      const next = text[j + 1];
      if (next !== undefined && '"\\/bfnrt'.includes(next)) j++;
      else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) j += 5;
      else return -j - 1;
    }
  }
  return -text.length - 1;
}
