import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
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
  const data: unknown = doc.toJS({ maxAliasCount: DEFAULT_MAX_ALIAS_COUNT });
  return { ok: true, source: { data, locate: (path) => locate(doc, lineCounter, path) } };
}

/** Technician-friendly wording for the YAML mistakes that SSH editors make easy. */
function yamlMessage(code: string, message: string): string {
  // Some yaml messages quote the unexpected token; it may be a secret, and the line:col already finds it.
  const text = message.replace(/:\s*"[^"]*"$/, '');
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
