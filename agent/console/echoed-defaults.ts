import { isDeepStrictEqual } from 'node:util';

type Plain = unknown;

/** An object that is not an array (JSON's `{…}`). */
export function isPlainObject(v: unknown): v is Record<string, Plain> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The `id` of a plain list item (zones, lines, rules), else undefined. */
export function idOf(v: Plain): string | undefined {
  return isPlainObject(v) && typeof v.id === 'string' ? v.id : undefined;
}

/**
 * What the page sent, without the schema defaults it echoes back. The API shows the page the camera as the
 * agent read it (zod output: `direction: both, incident: false, …` filled in), and the page sends all of it
 * back. The rule: a key ABSENT from the file (`raw`, the YAML as written, no defaults) whose new value equals
 * the value the agent read for it (`parsed`, the zod output of the same item) is an echo, not an edit: it is
 * dropped, so an untouched one-line item stays byte-identical and an edited one gains only what the user
 * changed. Comparing with `parsed` (not with the schema's default) also covers derived defaults. A key the
 * user sets to something else, or a key the file has, is kept. Lists are walked item by item, matched by
 * `id` when the items have one (a removed zone must not make the next one compare with its neighbour's
 * defaults), else by index; items new to the file are kept as sent.
 */
export function withoutEchoedDefaults(value: Plain, raw: Plain, parsed: Plain): Plain {
  if (isPlainObject(value) && isPlainObject(raw)) {
    const p = isPlainObject(parsed) ? parsed : {};
    const out: Record<string, Plain> = {};
    for (const [key, v] of Object.entries(value)) {
      if (!Object.hasOwn(raw, key)) {
        if (Object.hasOwn(p, key) && isDeepStrictEqual(v, p[key])) continue;
        out[key] = v;
        continue;
      }
      out[key] = withoutEchoedDefaults(v, raw[key], p[key]);
    }
    return out;
  }
  if (Array.isArray(value) && Array.isArray(raw)) {
    const p = Array.isArray(parsed) ? parsed : [];
    const byId = raw.every((r) => idOf(r) !== undefined);
    return value.map((v, i) => {
      const id = idOf(v);
      const at = byId && id !== undefined ? raw.findIndex((r) => idOf(r) === id) : i;
      return at === -1 || at >= raw.length ? v : withoutEchoedDefaults(v, raw[at], p[at]);
    });
  }
  return value;
}
