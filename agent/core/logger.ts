import { pino, type Logger, type DestinationStream } from 'pino';
import { redactUrl } from './redact.js';

export type { Logger } from 'pino';

/** Field paths pino blanks out wherever they appear in a log object. */
export const REDACTED_PATHS = [
  'password', '*.password', '*.*.password', 'passwordFile',
  'secret', '*.secret', 'hmacSecret', '*.hmacSecret',
  'headers.authorization', 'authorization',
];

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go; defaults to stdout. Tests pass a stream to inspect output. */
  destination?: DestinationStream;
}

/**
 * The agent's root logger: pino JSON (pipe through `pino-pretty` for humans). Credentials are removed
 * twice: by path (`password` fields) and from any URL in a string field, since camera URLs carry them.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.CAMWATCH_LOG_LEVEL ?? 'info',
      base: { app: 'camwatch' },
      redact: { paths: REDACTED_PATHS, censor: '***' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? redactUrl(a) : scrubObject(a)));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: { err: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

function scrubObject(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') {
    return typeof value === 'string' ? redactUrl(value) : value;
  }
  if (value instanceof Error) {
    const copy = new Error(redactUrl(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : redactUrl(value.stack);
    Object.assign(copy, value, { message: copy.message, stack: copy.stack });
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => scrubObject(v, depth + 1));
  if (Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubObject(v, depth + 1);
  return out;
}
