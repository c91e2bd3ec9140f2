import { lineSchema, privacyMaskSchema, ruleSchema, zoneSchema, type Config, type LineConfig, type ZoneConfig } from './schema.js';
import { valueAt, type IssuePath, type RawIssue } from './issues.js';
import { polygonProblem, samePoint, type Point } from './polygon.js';
import { suggestionSuffix } from './suggest.js';

/**
 * Cross-field checks zod cannot express field by field: ids unique where they are referenced, rules pointing
 * at zones and lines that exist, and zones and lines that can actually be crossed. Pure: data in, issues out.
 * Works on raw data (a parsed Config is raw data too), so it also runs when the schema failed elsewhere.
 */

/** Duplicate camera ids, from raw ids so it also runs when other parts of the file are invalid. */
export function checkCameraIds(ids: readonly unknown[]): RawIssue[] {
  return findDuplicates(ids, 'camera', 'cameras', (index) => ['cameras', index, 'id']);
}

/** One issue per repeated id, at the repeat, naming where the id was first used. */
function findDuplicates(ids: readonly unknown[], what: string, collection: string, pathOf: (index: number) => IssuePath): RawIssue[] {
  const firstSeen = new Map<string, number>();
  const issues: RawIssue[] = [];
  ids.forEach((id, index) => {
    if (typeof id !== 'string') return;
    const first = firstSeen.get(id);
    if (first === undefined) firstSeen.set(id, index);
    else issues.push({ path: pathOf(index), message: `duplicate ${what} id "${id}" (also ${collection}[${first}]); ${what} ids must be unique` });
  });
  return issues;
}

/**
 * Everything checked on one camera. Takes raw data and parses zones, lines and rules one by one, so a camera
 * with a schema error elsewhere (say a bad fps) still gets its geometry checked in the same run.
 */
export function checkCamera(raw: unknown, index: number): RawIssue[] {
  const at = (...rest: (string | number)[]): IssuePath => ['cameras', index, ...rest];
  const rawId = valueAt(raw, ['id']);
  const cameraId = typeof rawId === 'string' ? rawId : `cameras[${index}]`;
  const zones = listAt(raw, 'zones');
  const lines = listAt(raw, 'lines');
  const rules = listAt(raw, 'rules');
  const idsOf = (items: unknown[]) => items.map((item) => valueAt(item, ['id']));
  const issues: RawIssue[] = [
    ...findDuplicates(idsOf(zones), 'zone', 'zones', (k) => at('zones', k, 'id')),
    ...findDuplicates(idsOf(lines), 'line', 'lines', (k) => at('lines', k, 'id')),
    ...findDuplicates(idsOf(rules), 'rule', 'rules', (k) => at('rules', k, 'id')),
  ];
  zones.forEach((item, k) => {
    const zone = zoneSchema.safeParse(item);
    if (zone.success) issues.push(...checkZone(zone.data, at('zones', k)));
  });
  lines.forEach((item, k) => {
    const line = lineSchema.safeParse(item);
    if (line.success) issues.push(...checkLine(line.data, at('lines', k)));
  });
  listAt(valueAt(raw, ['privacy']), 'masks').forEach((item, k) => {
    const mask = privacyMaskSchema.safeParse(item);
    if (mask.success) issues.push(...checkPolygon(mask.data.points, 'fractions', at('privacy', 'masks', k)));
  });
  if (valueAt(raw, ['stills', 'fullResolution']) === true) {
    const main = valueAt(raw, ['onvif', 'mainStreamUri']);
    const clipsUrl = valueAt(raw, ['clips', 'enabled']) === true ? valueAt(raw, ['clips', 'source', 'url']) : undefined;
    const isRtsp = (v: unknown) => typeof v === 'string' && /^rtsps?:\/\//i.test(v);
    if (!isRtsp(main) && !isRtsp(clipsUrl)) {
      issues.push({ path: at('stills', 'fullResolution'), message: 'full-resolution stills need the rtsp:// URL of the camera\'s main stream: onvif.mainStreamUri (`camwatch camera add` records it) or clips.source with clips enabled; without one the evidence stays at analysis size' });
    }
  }
  const known = { zone: stringsOf(idsOf(zones)), line: stringsOf(idsOf(lines)) };
  rules.forEach((item, k) => {
    const rule = ruleSchema.safeParse(item);
    if (!rule.success) return;
    for (const ref of referencesOf(rule.data)) {
      const message = checkReference(cameraId, known, ref.kind, ref.id);
      if (message !== undefined) issues.push({ path: at('rules', k, ...ref.path), message });
    }
  });
  return issues;
}

/**
 * Which fields of a rule name zones or lines, found by name so that every rule type is covered without a
 * list to keep in step: `zone` / `line`, or a name ending in Zone(s) / Line(s) (e.g. `ignoreZones`),
 * holding one id or a list of ids.
 */
const REFERENCE_FIELD = /^(?:(zone|line)|.*(Zone|Line))s?$/;

function referencesOf(rule: object): { kind: 'zone' | 'line'; id: string; path: (string | number)[] }[] {
  const refs: { kind: 'zone' | 'line'; id: string; path: (string | number)[] }[] = [];
  for (const [key, value] of Object.entries(rule)) {
    const match = REFERENCE_FIELD.exec(key);
    if (match === null) continue;
    const kind = (match[1] ?? match[2]!).toLowerCase() as 'zone' | 'line';
    if (typeof value === 'string') refs.push({ kind, id: value, path: [key] });
    else if (Array.isArray(value)) value.forEach((id, i) => typeof id === 'string' && refs.push({ kind, id, path: [key, i] }));
  }
  return refs;
}

function listAt(raw: unknown, key: string): unknown[] {
  const value = valueAt(raw, [key]);
  return Array.isArray(value) ? value : [];
}

function stringsOf(values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string');
}

/** `no zone "gate" on camera "cam-01" (zones: a, b)`, or undefined when the id exists. */
function checkReference(cameraId: string, known: { zone: string[]; line: string[] }, kind: 'zone' | 'line', id: string): string | undefined {
  const own = known[kind];
  if (own.includes(id)) return undefined;
  const other = kind === 'zone' ? 'line' : 'zone';
  const listing = own.length === 0 ? `no ${kind}s defined` : `${kind}s: ${[...new Set(own)].join(', ')}`;
  let message = `no ${kind} "${id}" on camera "${cameraId}" (${listing})${suggestionSuffix(id, own)}`;
  if (known[other].includes(id)) message += `; "${id}" is a ${other}, not a ${kind}`;
  return message;
}

function checkZone(zone: ZoneConfig, path: IssuePath): RawIssue[] {
  return checkPolygon(zone.points, zone.units, path);
}

/** A zone's or privacy mask's corners inside the frame and an outline that does not cross itself. */
function checkPolygon(points: readonly Point[], units: Units, path: IssuePath): RawIssue[] {
  const issues = points.flatMap((p, k) => checkPoint(p, units, [...path, 'points', k]));
  const problem = polygonProblem(points);
  if (problem !== undefined) issues.push({ path: [...path, 'points'], message: problem });
  return issues;
}

function checkLine(line: LineConfig, path: IssuePath): RawIssue[] {
  const issues = [...checkPoint(line.from, line.units, [...path, 'from']), ...checkPoint(line.to, line.units, [...path, 'to'])];
  if (samePoint(line.from, line.to)) {
    issues.push({ path: [...path, 'to'], message: 'zero-length line: "to" is the same point as "from"; a line needs two different points' });
  }
  return issues;
}

/** How a shape's points are given: zones and lines choose; privacy masks are always fractions of the frame. */
type Units = 'normalized' | 'pixels' | 'fractions';

function checkPoint(point: Point, units: Units, path: IssuePath): RawIssue[] {
  const [x, y] = point;
  const shown = `[${x}, ${y}]`;
  if (units === 'fractions' && (x < 0 || x > 1 || y < 0 || y > 1)) {
    return [{ path, message: `${shown} is outside the frame: mask points are fractions from 0 to 1 of the frame width and height` }];
  }
  if (units === 'normalized' && (x < 0 || x > 1 || y < 0 || y > 1)) {
    return [{ path, message: `${shown} is outside the frame: normalized coordinates run from 0 to 1 (fractions of width and height); for pixel coordinates set units: pixels` }];
  }
  if (units === 'pixels' && (x < 0 || y < 0)) {
    return [{ path, message: `${shown} is outside the frame: pixel coordinates cannot be negative` }];
  }
  return [];
}

/** All geometry and reference checks of a config (parsed, or raw data that may fail the schema elsewhere). */
export function checkGeometry(data: Config | unknown): RawIssue[] {
  const cameras = listAt(data, 'cameras');
  return [...checkCameraIds(cameras.map((c) => valueAt(c, ['id']))), ...cameras.flatMap((camera, index) => checkCamera(camera, index))];
}
