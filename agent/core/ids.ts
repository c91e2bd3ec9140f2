import { z } from 'zod';

/**
 * Ids that reach MQTT topic levels, incident payloads, metric labels and file names (agent, camera, zone,
 * line, rule): 1 to 64 characters, letters, digits, "_", "-" and ".", starting with a letter or digit. This
 * keeps out "/" "+" "#" (topic structure and wildcards), NUL, spaces and control characters, "." and ".."
 * as a file name, a leading "-" read as an option on a command line, and ids too long for a topic or a
 * dashboard column. Every id in the example config, the docs and the tests fits.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** The longest id accepted (characters). */
export const ID_MAX_LENGTH = 64;

/** What the error says, after the field path: the rule, in words. */
export const ID_RULE = `use 1 to ${ID_MAX_LENGTH} letters, digits, "_", "-" or ".", starting with a letter or digit (it becomes part of MQTT topics, payloads and file names)`;

/** An id field of the config (camera, zone, line, rule), with its description. */
export function idSchema(description: string) {
  return z.string().regex(ID_PATTERN, ID_RULE).describe(`${description}. ${ID_RULE[0]!.toUpperCase()}${ID_RULE.slice(1)}`);
}
