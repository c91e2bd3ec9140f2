import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { idOf, isPlainObject } from './echoed-defaults.js';

/**
 * Writes new values into a YAML text by replacing only the text of the nodes whose value changed: every
 * other byte of the file (comments, blank lines, alignment of trailing comments, key order) stays as the
 * technician wrote it. The `yaml` package's own toString() would re-space every trailing comment of the file.
 */

/** One text replacement: [start, end) of the original text becomes `text`. */
interface Edit {
  start: number;
  end: number;
  text: string;
  /** Length of the path of the node that inserts (see applyEdits: several inserts at one offset). */
  depth?: number;
}

/** A place where a value holding the redacted marker would be written over a real secret. */
export interface RedactedWrite {
  path: readonly (string | number)[];
}

export interface SpliceContext {
  text: string;
  edits: Edit[];
  /** Value strings equal to this are the redaction marker: writing them is refused (the caller reports it). */
  marker: string;
  redactedWrites: RedactedWrite[];
  /** How a value looked when shown to the page: a new value equal to it means "untouched". */
  redact: (value: unknown) => unknown;
}

type Plain = unknown;

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset of the newline ending the line of `offset` (or the end of a file without a final newline). */
function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl;
}

/**
 * The range removing the whole line(s) from `start`'s line to `end`'s line: from the newline BEFORE them to
 * the end of the last one, so the newline that follows stays; an append after them lands at that newline,
 * outside the removed range (removing "<line>\n" would swallow an insert made at the end of the line).
 */
function linesRange(text: string, start: number, end: number): { start: number; end: number } {
  const from = lineStart(text, start);
  const to = lineEnd(text, end);
  return from > 0 ? { start: from - 1, end: to } : { start: 0, end: Math.min(text.length, to + 1) };
}

/** End of a node's own text: without the trailing newline and spaces a block node's range includes. */
function trimmedEnd(text: string, start: number, end: number): number {
  let e = end;
  for (;;) {
    while (e > start && /[\s]/.test(text[e - 1]!)) e--;
    // The `yaml` package counts comment lines after a list's last item into its range (`# more lines later`,
    // or the next camera's `# the street camera`): they are not the node's text. Removing or rewriting the
    // node must leave them, and an append must go before them, not under them.
    const from = lineStart(text, e);
    if (from <= start || !text.slice(from, e).trimStart().startsWith('#')) return e;
    e = from;
  }
}

/** YAML of a value: lists of numbers and strings in flow style ([0.1, 0.2]), the rest in block style. */
function render(value: Plain, options: { flow?: boolean; padded?: boolean } = {}): string {
  const doc = new Document(value);
  if (options.flow === true && (isMap(doc.contents) || isSeq(doc.contents))) {
    // Written on one line as it was (`analysis: { fps: 5, width: 640 }`, `[[0, 0], [1, 0]]`).
    doc.contents.flow = true;
    const line = doc.toString({ lineWidth: 0, flowCollectionPadding: false }).replace(/\n$/, '');
    // People pad the outer braces (`{ fps: 5 }`) and not the points inside (`[[0, 0], [1, 0]]`): pad only the outer pair.
    return options.padded === true && line.length > 2 ? `${line[0]} ${line.slice(1, -1)} ${line.at(-1)}` : line;
  }
  const flowLists = (node: unknown): void => {
    if (isSeq(node)) {
      const scalars = node.items.every((i) => isScalar(i));
      // A polygon's points: one line of [x, y] pairs, as people write them.
      const points = node.items.length > 0 && node.items.every((i) => isSeq(i) && i.items.every((j) => isScalar(j)));
      if (scalars || points) {
        node.flow = true;
        return;
      }
      for (const i of node.items) flowLists(i);
    } else if (isMap(node)) for (const p of node.items) flowLists(p.value);
  };
  flowLists(doc.contents);
  return doc.toString({ indent: 2, lineWidth: 0, flowCollectionPadding: false }).replace(/\n$/, '');
}

function indentRest(text: string, col: number): string {
  return text.split('\n').map((line, i) => (i === 0 || line === '' ? line : `${' '.repeat(col)}${line}`)).join('\n');
}

function containsMarker(value: Plain, marker: string): boolean {
  if (typeof value === 'string') return value.includes(marker);
  if (Array.isArray(value)) return value.some((v) => containsMarker(v, marker));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => containsMarker(v, marker));
  return false;
}

function flowOrScalar(node: Node | null | undefined): boolean {
  return node === null || node === undefined || isScalar(node) || ((isSeq(node) || isMap(node)) && node.flow === true);
}

function refuseMarker(ctx: SpliceContext, value: Plain, path: readonly (string | number)[]): boolean {
  if (!containsMarker(value, ctx.marker)) return false;
  ctx.redactedWrites.push({ path });
  return true;
}

/**
 * Makes the map node hold `next` (a plain object): unchanged keys untouched, changed ones re-rendered,
 * missing ones removed, new ones appended. Every key of `next` is written: defaults the page echoed back are
 * taken out before (echoed-defaults.ts withoutEchoedDefaults, which matches list items by id).
 */
export function spliceMap(ctx: SpliceContext, node: YAMLMap, next: Record<string, Plain>, path: readonly (string | number)[]): void {
  const { text } = ctx;
  const pairs = node.items as Array<Pair<Node, Node | null>>;
  const keyOf = (p: Pair<Node, Node | null>) => (isScalar(p.key) ? String(p.key.value) : undefined);
  for (const [index, pair] of pairs.entries()) {
    const key = keyOf(pair);
    if (key === undefined || Object.hasOwn(next, key)) continue;
    const keyStart = pair.key.range![0];
    const following = pairs[index + 1];
    if (text.slice(lineStart(text, keyStart), keyStart).trim() !== '' && following !== undefined) {
      // The first key of a list item (`- name: x`): the next key moves up behind the dash.
      ctx.edits.push({ start: keyStart, end: following.key.range![0], text: '' });
      continue;
    }
    // Removed: the whole line(s) of the pair, from its line start to the end of its value.
    const valueEnd = pair.value?.range ? trimmedEnd(text, pair.value.range[0], pair.value.range[1]) : pair.key.range![1];
    ctx.edits.push({ ...linesRange(text, keyStart, valueEnd), text: '' });
  }
  let lastEnd = 0;
  let keyCol: number | undefined;
  for (const pair of pairs) {
    keyCol ??= column(text, pair.key.range![0]);
    const end = pair.value?.range ? trimmedEnd(text, pair.value.range[0], pair.value.range[1]) : pair.key.range![1];
    lastEnd = Math.max(lastEnd, end);
  }
  for (const [key, value] of Object.entries(next)) {
    const pair = pairs.find((p) => keyOf(p) === key);
    if (pair === undefined) {
      if (value === undefined) continue;
      if (refuseMarker(ctx, value, [...path, key])) continue;
      const col = keyCol ?? column(text, node.range![0]);
      // After the line the map's last value ends on (past its trailing comment); when that value is a list
      // that gets items appended at the same place, applyEdits puts the deeper (list) insert first.
      const at = lineEnd(text, lastEnd);
      ctx.edits.push({ start: at, end: at, depth: path.length, text: `\n${' '.repeat(col)}${indentRest(render({ [key]: value }), col)}` });
      continue;
    }
    spliceValue(ctx, pair, value, [...path, key]);
  }
}

function spliceValue(ctx: SpliceContext, pair: Pair<Node, Node | null>, value: Plain, path: readonly (string | number)[]): void {
  const { text } = ctx;
  const old = pair.value;
  const oldPlain = old === null ? null : (old.toJSON() as Plain);
  if (isDeepStrictEqual(oldPlain, value)) return;
  // The page got this value redacted and sent it back as it was: untouched.
  if (isDeepStrictEqual(ctx.redact(oldPlain), value)) return;
  if (old !== null && isMap(old) && !old.flow && isPlainObject(value)) {
    spliceMap(ctx, old, value, path);
    return;
  }
  if (old !== null && isSeq(old) && !old.flow && old.items.length > 0 && Array.isArray(value) && value.length > 0) {
    spliceSeq(ctx, old.items as Node[], value, path);
    return;
  }
  if (refuseMarker(ctx, value, path)) return;
  if (old !== null && flowOrScalar(old)) {
    // A written-out flow collection stays flow; an empty one (`rules: []`) grows into block style.
    const flow = (isMap(old) || isSeq(old)) && old.items.length > 0;
    const rendered = render(value, { flow, padded: /^[[{][ \t]/.test(text.slice(old.range![0], old.range![0] + 2)) });
    // A block list or map of one line (`- id: a`) cannot follow its key on the key's line (`zones: - id: a`).
    const blockCollection = !flow && value !== null && typeof value === 'object' && Object.keys(value).length > 0;
    if (!rendered.includes('\n') && !blockCollection) {
      ctx.edits.push({ start: old.range![0], end: trimmedEnd(text, old.range![0], old.range![1]), text: rendered });
      return;
    }
  }
  // Otherwise the whole pair is written again at the key's column.
  const start = pair.key.range![0];
  const end = old?.range ? trimmedEnd(text, old.range[0], old.range[1]) : pair.key.range![1];
  const col = column(text, start);
  ctx.edits.push({ start, end, text: indentRest(render({ [String((pair.key as { value?: unknown }).value)]: value }), col) });
}

/** The item's `id` when it is a map with a string id (zones, lines, rules), else undefined. */
function itemId(v: Plain): string | undefined {
  if (isMap(v)) {
    const id = v.get('id', true);
    return isScalar(id) && typeof id.value === 'string' ? id.value : undefined;
  }
  return idOf(v);
}

/**
 * Which old item each new value continues (`old[k]` for `value[k]`, -1: new). By `id` when every item has a
 * distinct one, the kept items are in their old order and the new ones come after them: removing the first
 * of three zones then removes just its lines, instead of rewriting the two others one place up (which would
 * leave their comments beside the wrong zone). Otherwise by index.
 */
function matchItems(items: readonly Node[], value: readonly Plain[]): number[] {
  const byIndex = value.map((_, k) => (k < items.length ? k : -1));
  const oldIds = items.map(itemId);
  const newIds = value.map(itemId);
  if (oldIds.some((id) => id === undefined) || newIds.some((id) => id === undefined)) return byIndex;
  if (new Set(oldIds).size !== oldIds.length || new Set(newIds).size !== newIds.length) return byIndex;
  const old = value.map((_, k) => oldIds.indexOf(newIds[k]));
  const kept = old.filter((o) => o !== -1);
  const inOrder = kept.every((o, k) => k === 0 || o > kept[k - 1]!);
  const newAtEnd = old.every((o, k) => o !== -1 || old.slice(k).every((later) => later === -1));
  return inOrder && newAtEnd ? old : byIndex;
}

/**
 * A block list: items continuing an old item (same id, else same index) are spliced one by one (an added zone
 * leaves the others' comments alone), old items no longer there are removed, new ones appended after the last.
 */
function spliceSeq(ctx: SpliceContext, items: readonly Node[], value: readonly Plain[], path: readonly (string | number)[]): void {
  const { text } = ctx;
  const old = matchItems(items, value);
  for (const [k, o] of old.entries()) if (o !== -1) spliceItem(ctx, items[o]!, value[k], [...path, k]);
  for (const [i, item] of items.entries()) {
    if (old.includes(i)) continue;
    const end = trimmedEnd(text, item.range![0], item.range![1]);
    ctx.edits.push({ ...linesRange(text, item.range![0], end), text: '' });
  }
  const firstNew = old.indexOf(-1);
  if (firstNew !== -1) {
    const last = items[items.length - 1]!;
    const itemCol = column(text, last.range![0]);
    const dashCol = column(text, text.lastIndexOf('-', last.range![0]));
    const lastFlow = isMap(last) && last.flow === true && last.items.length > 0;
    const lastPadded = /^[[{][ \t]/.test(text.slice(last.range![0], last.range![0] + 2));
    const added = value.slice(firstNew).map((v, k) => {
      if (refuseMarker(ctx, v, [...path, firstNew + k])) return '';
      // The list's style: after one-line items (`- { id: a, … }`) the new one is on one line too.
      const oneLine = lastFlow ? render(v, { flow: true, padded: lastPadded }) : undefined;
      const body = oneLine !== undefined && !oneLine.includes('\n') ? oneLine : indentRest(render(v), itemCol);
      return `\n${' '.repeat(dashCol)}-${' '.repeat(Math.max(1, itemCol - dashCol - 1))}${body}`;
    });
    // At the end of the last old item's line (after its trailing comment `- { id: a }   # the yard`): outside
    // the range that removes that item if it goes.
    const at = lineEnd(text, trimmedEnd(text, last.range![0], last.range![1]));
    ctx.edits.push({ start: at, end: at, depth: path.length, text: added.join('') });
  }
}

function spliceItem(ctx: SpliceContext, item: Node, value: Plain, path: readonly (string | number)[]): void {
  const { text } = ctx;
  const oldPlain = item.toJSON() as Plain;
  if (isDeepStrictEqual(oldPlain, value) || isDeepStrictEqual(ctx.redact(oldPlain), value)) return;
  if (isMap(item) && !item.flow && isPlainObject(value) && item.items.length > 0) {
    spliceMap(ctx, item, value, path);
    return;
  }
  if (refuseMarker(ctx, value, path)) return;
  const start = item.range![0];
  const end = trimmedEnd(text, start, item.range![1]);
  // An item written on one line (`- { id: a, points: [[0, 0], …] }`) stays on one line.
  const flow = (isMap(item) || isSeq(item)) && item.flow === true && item.items.length > 0;
  const padded = /^[[{][ \t]/.test(text.slice(start, start + 2));
  ctx.edits.push({ start, end, text: flow ? render(value, { flow, padded }) : indentRest(render(value), column(text, start)) });
}

/**
 * The text with every edit applied (edits never overlap: each is a different node), from the end of the text
 * back. At one offset a removal or replacement goes before an insert, and of several inserts the one applied
 * first ends up last: so the shallower insert (a new key of the camera) is applied before the deeper one
 * (items appended to the camera's last list, at the same end of line), and inserts of one depth keep the order
 * they were made in. Without this a new `zones:` key could land between `rules:` and its new item.
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = text;
  const ordered = edits.map((e, index) => ({ e, index })).sort((a, b) => b.e.start - a.e.start || b.e.end - a.e.end || (a.e.depth ?? 0) - (b.e.depth ?? 0) || b.index - a.index);
  for (const { e } of ordered) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
