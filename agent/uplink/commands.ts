import { isCamwatchError, jsonNestingDepth } from '../core/index.js';

/**
 * Request/response over MQTT (pure parts): a request on `<prefix>/<agentId>/cmd/<name>` is answered on
 * its MQTT 5 response topic with the same correlation data, or, over 3.1.1 which has neither, on the
 * `responseTopic` field of the JSON body with its `transaction` echoed; either must lie in the box's
 * response tree `<prefix>/<agentId>/responses/` (topics.ts). Shape as Zigbee2MQTT answers:
 * `{status, data, error: {code, message}, transaction}` (docs/schemas/command-response.schema.json).
 * What reaches the handlers went through command-intake.ts: size, signature, depth and shape checked.
 */

/** Handles one command; its return value is the response's `data`. Throwing (or rejecting) answers with status error. */
export type CommandHandler = (request: Record<string, unknown>) => unknown;

/** Largest command payload read (bytes, mqtt.commands.maxBytes): every documented request fits in a few hundred. */
export const DEFAULT_COMMAND_MAX_BYTES = 64 * 1024;
/** Deepest JSON nesting read (levels, mqtt.commands.maxDepth): documented requests use 2; 5,000 stopped the agent. */
export const DEFAULT_COMMAND_MAX_DEPTH = 32;

/** Bounds on a command payload, checked on its raw bytes before it is parsed. */
export interface CommandLimits {
  maxBytes: number;
  maxDepth: number;
}

export const DEFAULT_COMMAND_LIMITS: CommandLimits = { maxBytes: DEFAULT_COMMAND_MAX_BYTES, maxDepth: DEFAULT_COMMAND_MAX_DEPTH };

/**
 * Codes of an error response. A handler that throws a CamwatchError answers with its code (CONFIG_INVALID
 * from a reload, STORE_FULL...), any other throw with COMMAND_FAILED.
 */
export const COMMAND_ERROR_CODES = {
  /** No handler for this name. */
  COMMAND_UNKNOWN: 'COMMAND_UNKNOWN',
  /** The body is too large, nested too deep, not JSON or not a JSON object (catalogue code). */
  COMMAND_INVALID: 'COMMAND_INVALID',
  /** Signature, timestamp or nonce refused (mqtt.commandSecretFile); see command-auth.ts (catalogue code). */
  COMMAND_REJECTED: 'COMMAND_REJECTED',
  /** The response topic is outside `<prefix>/<agentId>/responses/`; answered on `…/responses/refused` (catalogue code). */
  COMMAND_RESPONSE_TOPIC: 'COMMAND_RESPONSE_TOPIC',
  /** The handler refused or failed (bad argument, unknown incident, camera without a frame...). */
  COMMAND_FAILED: 'COMMAND_FAILED',
} as const;

export interface CommandError {
  code: string;
  message: string;
}

export interface CommandResponse {
  status: 'ok' | 'error';
  data?: unknown;
  error?: CommandError;
  transaction?: unknown;
}

/** A request that passed intake: its body, and what to echo. */
export interface CommandRequest {
  body: Record<string, unknown>;
  transaction?: unknown;
}

export type ParsedBody = { ok: true; body: Record<string, unknown> } | { ok: false; message: string };

/**
 * Parses a command payload within `limits` (pure, never throws): the byte cap first, then the nesting
 * depth by a linear scan, and only then JSON.parse, so nothing recursive ever sees a hostile body.
 */
export function parseCommandBody(payload: Buffer, limits: CommandLimits): ParsedBody {
  if (payload.length > limits.maxBytes) {
    return { ok: false, message: `the request body is ${payload.length} bytes, over the ${limits.maxBytes} byte limit (mqtt.commands.maxBytes)` };
  }
  if (jsonNestingDepth(payload, limits.maxDepth) > limits.maxDepth) {
    return { ok: false, message: `the request body is nested deeper than ${limits.maxDepth} levels (mqtt.commands.maxDepth)` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, message: 'the request body is not valid JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, message: 'the request body must be a JSON object' };
  return { ok: true, body: parsed as Record<string, unknown> };
}

/** A body field, own properties only: `{"__proto__": …}` or a missing field never reads Object.prototype. */
export function ownField(body: Record<string, unknown>, field: string): unknown {
  return Object.hasOwn(body, field) ? body[field] : undefined;
}

/** A command name fit for a message or a log line: topic levels may be 65,535 bytes long. */
export function displayName(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}

/** A response with status error: always has its error. */
export type ErrorResponse = CommandResponse & { status: 'error'; error: CommandError };

/** An error response, echoing the transaction when there is one. */
export function errorResponse(transaction: unknown, code: string, message: string): ErrorResponse {
  return { status: 'error', error: { code, message }, ...(transaction === undefined ? {} : { transaction }) };
}

/**
 * Runs the handler for `name` and builds the response (never rejects): unknown command → COMMAND_UNKNOWN,
 * a handler that throws or rejects → its CamwatchError code or COMMAND_FAILED.
 */
export async function runCommand(handlers: ReadonlyMap<string, CommandHandler>, name: string, request: CommandRequest): Promise<CommandResponse> {
  const { transaction } = request;
  const handler = handlers.get(name);
  if (handler === undefined) {
    return errorResponse(transaction, COMMAND_ERROR_CODES.COMMAND_UNKNOWN, `unknown command "${displayName(name)}" (known: ${[...handlers.keys()].sort().join(', ') || 'none'})`);
  }
  try {
    const data = await handler(request.body);
    return { status: 'ok', ...(data === undefined ? {} : { data }), ...(transaction === undefined ? {} : { transaction }) };
  } catch (err) {
    if (isCamwatchError(err)) return errorResponse(transaction, err.code, err.message);
    return errorResponse(transaction, COMMAND_ERROR_CODES.COMMAND_FAILED, failureMessage(err));
  }
}

function failureMessage(err: unknown): string {
  try {
    return err instanceof Error ? String(err.message) : String(err);
  } catch {
    return 'the command failed'; // a thrown value whose toString throws
  }
}
