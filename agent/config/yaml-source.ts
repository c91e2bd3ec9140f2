import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import type { ConfigIssue, IssuePath } from './issues.js';

/**
 * The YAML text of a config file kept as a document (not only as plain data) so that any issue path found
 * later (by zod or the geometry checks) can be pointed at a line and column of the file.
 */

export interface Position {
  line: number;
  col: number;
}

export interface YamlSource {
  /** Plain data, as zod sees it. */
  data: unknown;
  /** Where a path lives in the file: the key for a mapping entry, the item for a list entry, else the nearest parent. */
  locate(path: IssuePath): Position | undefined;
}

export type YamlParseResult = { ok: true; source: YamlSource } | { ok: false; issues: ConfigIssue[] };

/** yaml's own limit against "billion laughs" alias bombs, kept explicit. */
export const DEFAULT_MAX_ALIAS_COUNT = 100;

export function parseYamlSource(text: string): YamlParseResult {
  const lineCounter = new LineCounter();
  // prettyErrors would append a copy of the offending line to each message: that line may hold a password.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({ path: '', message: yamlMessage(e.code, e.message), ...lineCounter.linePos(e.pos[0]) })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: DEFAULT_MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws (ReferenceError) for an alias bomb or an alias before its anchor: a config error, not a crash.
    return { ok: false, issues: [{ path: '', message: aliasMessage((err as Error).message), ...firstAliasPosition(doc, lineCounter) }] };
  }
  return { ok: true, source: { data, locate: (path) => locate(doc, lineCounter, path) } };
}

function aliasMessage(message: string): string {
  if (message.startsWith('Excessive alias count')) {
    return `aliases (*name) expand to too much data (more than ${DEFAULT_MAX_ALIAS_COUNT} expansions, as in a "billion laughs" file); write the values out instead of nesting aliases`;
  }
  // "Unresolved alias (the anchor must be set before the alias): *name" quotes the file: the line:col finds it.
  return message.split('\n')[0]!.replace(/\):\s[\s\S]*$/, ')');
}

function firstAliasPosition(doc: Document, lineCounter: LineCounter): { line?: number; col?: number } {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset === undefined ? {} : lineCounter.linePos(offset);
}

/** Where yaml's messages end before the text of the file they quote (a block scalar header, a bad token, an escape). */
const QUOTING_PHRASES = ['includes extra characters', 'Not a YAML token', 'Invalid escape sequence'];

/**
 * yaml quotes text of the file in some messages: the unexpected token as JSON (`…in YAML stream: "…"`,
 * escaped quotes included), a block scalar header, a tag, a directive. That text may be a password, and the
 * line:col already finds it, so the message stops before it.
 */
function withoutFileText(code: string, message: string): string {
  if (code === 'TAG_RESOLVE_FAILED') return 'unknown tag (a word starting with !); a camwatch config uses no tags: quote the value if it starts with !';
  if (code === 'BAD_DIRECTIVE') return 'unknown directive (a line starting with %); quote the value if it starts with %';
  let text = message.replace(/:\s*"[\s\S]*$/, '');
  for (const phrase of QUOTING_PHRASES) {
    const at = text.indexOf(phrase);
    if (at >= 0) text = text.slice(0, at + phrase.length);
  }
  return text;
}

/** Technician-friendly wording for the YAML mistakes that SSH editors make easy. */
function yamlMessage(code: string, message: string): string {
  // yaml reports its own stack overflow on very deep nesting (thousands of levels) as a parse error.
  if (/Maximum call stack size exceeded/.test(message)) return 'the file nests too deeply here (thousands of levels; a config needs a few); check the brackets and indentation';
  const text = withoutFileText(code, message);
  switch (code) {
    case 'TAB_AS_INDENT':
      return `${text}; indent with spaces (in vi: :set expandtab, then :retab)`;
    case 'DUPLICATE_KEY':
      return `${text}: this key appears twice in the same mapping; keep one`;
    case 'BAD_INDENT':
      return `${text}; check the indentation of this line against the lines above`;
    case 'MISSING_CHAR':
      return `${text}; a quote or bracket opened earlier is not closed`;
    default:
      return text;
  }
}

function locate(doc: Document, lineCounter: LineCounter, path: IssuePath): Position | undefined {
  let node: unknown = doc.contents;
  let anchor: Node | null | undefined = doc.contents;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (pair === undefined) break;
      if (isScalar(pair.key)) anchor = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined || item === null) break;
      node = item;
      if (isScalar(item) || isMap(item) || isSeq(item) || isAlias(item)) anchor = item;
    } else {
      break;
    }
  }
  const offset = anchor?.range?.[0];
  return offset === undefined ? undefined : lineCounter.linePos(offset);
}
