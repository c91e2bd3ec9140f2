import { parseConfigText, type ParseOptions } from '../../../agent/config/load.js';
import { ruleSchema } from '../../../agent/config/schema.js';
import { CamwatchError, type ErrorCode } from '../../../agent/core/errors.js';
import { PROJECT_ROOT } from '../../helpers/data.js';

/** Lines of YAML joined, so each test shows its file with line numbers countable by eye. */
export const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

/** The error parseConfigText throws for `text` (fails the test when it does not throw a CamwatchError). */
export function errorOf(text: string, options: ParseOptions = {}): CamwatchError {
  try {
    parseConfigText(text, 'camwatch.yaml', { baseDir: PROJECT_ROOT, env: {}, ...options });
  } catch (err) {
    if (err instanceof CamwatchError) return err;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

/** The issue lines of the error message (header and hint removed), and its code. */
export function issueLines(text: string, options: ParseOptions = {}): { code: ErrorCode; lines: string[] } {
  const err = errorOf(text, options);
  const [, ...lines] = err.message.split('\n');
  return { code: err.code, lines: lines.map((l) => l.trim()) };
}

/** A valid camera block (lines 3..) under `cameras:`, with zones/lines/rules given by the test. */
export const CAMERA_HEADER = ['cameras:', '  - id: cam-01', '    source:', '      file: video.mp4'];

/**
 * The rule types the schema knows, as error messages list them. Derived, so that adding a rule type to the
 * schema does not break the exact-message tests (which must still include every type).
 */
export const KNOWN_RULE_TYPES = ruleSchema.options.flatMap((rule) => [...rule.shape.type.values]).join(', ');
