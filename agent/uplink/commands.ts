import { isCamwatchError } from '../ops/errors.js';

/**
 * Request/response over MQTT (pure parts): a request on `<prefix>/<agentId>/cmd/<name>` is answered on
 * its MQTT 5 response topic with the same correlation data, or, over 3.1.1 which has neither, on the
 * `responseTopic` field of the JSON body with its `transaction` echoed. Shape as Zigbee2MQTT answers:
 * `{status, data, error: {code, message}, transaction}` (docs/schemas/command-response.schema.json).
 */

/** Handles one command; its return value is the response's `data`. Throwing answers with status error. */
export type CommandHandler = (request: Record<string, unknown>) => unknown;

/**
 * Codes of an error response. A handler that throws a CamwatchError answers with its code (CONFIG_INVALID
 * from a reload, STORE_FULL...), any other throw with COMMAND_FAILED.
 */
export const COMMAND_ERROR_CODES = {
  /** No handler for this name. */
  COMMAND_UNKNOWN: 'COMMAND_UNKNOWN',
  /** The body is not a JSON object. */
  COMMAND_INVALID: 'COMMAND_INVALID',
  /** Signature, timestamp or nonce refused (mqtt.commandSecretFile); see command-auth.ts. */
  COMMAND_REJECTED: 'COMMAND_REJECTED',
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

/** A parsed request: where to answer, and what to echo. */
export interface CommandRequest {
  body: Record<string, unknown>;
  responseTopic?: string;
  correlationData?: Buffer;
  transaction?: unknown;
  /** Why the payload is not a usable request (answered COMMAND_INVALID without running anything). */
  malformed?: string;
}

/**
 * Reads a request from its payload and MQTT 5 properties (pure). An empty payload is `{}` (a command
 * without arguments); anything else that is not a JSON object is malformed.
 */
export function parseCommandRequest(payload: Buffer, properties?: { responseTopic?: string; correlationData?: Buffer }): CommandRequest {
  let body: Record<string, unknown> = {};
  let malformed: string | undefined;
  const text = payload.toString('utf8').trim();
  if (text.length > 0) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      else malformed = 'the request body must be a JSON object';
    } catch {
      malformed = 'the request body is not valid JSON';
    }
  }
  const fieldTopic = typeof body.responseTopic === 'string' && body.responseTopic.length > 0 ? body.responseTopic : undefined;
  const responseTopic = properties?.responseTopic ?? fieldTopic;
  return {
    body,
    ...(responseTopic === undefined ? {} : { responseTopic }),
    ...(properties?.correlationData === undefined ? {} : { correlationData: properties.correlationData }),
    ...(body.transaction === undefined ? {} : { transaction: body.transaction }),
    ...(malformed === undefined ? {} : { malformed }),
  };
}

/**
 * Whether the box may answer on `topic` (pure). Not on a wildcard, and not inside the box's own tree
 * `<prefix>/<agentId>/…`: its ACL lets it write there, so a requester naming e.g. its incidents topic as
 * the response topic would make the box publish a forged incident or status on its own behalf.
 */
export function responseTopicAllowed(prefix: string, agentId: string, topic: string): boolean {
  if (topic.length === 0 || /[+#\u0000]/.test(topic)) return false;
  const own = `${prefix.replace(/\/+$/, '')}/${agentId}`;
  return topic !== own && !topic.startsWith(`${own}/`);
}

/** An error response echoing the request's transaction. */
export function errorResponse(request: CommandRequest, code: string, message: string): CommandResponse {
  return { status: 'error', error: { code, message }, ...(request.transaction === undefined ? {} : { transaction: request.transaction }) };
}

/** Runs the handler for `name` and builds the response (unknown command, malformed body and thrown errors → status error). */
export async function runCommand(handlers: ReadonlyMap<string, CommandHandler>, name: string, request: CommandRequest): Promise<CommandResponse> {
  const handler = handlers.get(name);
  if (handler === undefined) {
    return errorResponse(request, COMMAND_ERROR_CODES.COMMAND_UNKNOWN, `unknown command "${name}" (known: ${[...handlers.keys()].sort().join(', ') || 'none'})`);
  }
  if (request.malformed !== undefined) return errorResponse(request, COMMAND_ERROR_CODES.COMMAND_INVALID, `${name}: ${request.malformed}`);
  try {
    const data = await handler(request.body);
    return { status: 'ok', ...(data === undefined ? {} : { data }), ...(request.transaction === undefined ? {} : { transaction: request.transaction }) };
  } catch (err) {
    if (isCamwatchError(err)) return errorResponse(request, err.code, err.message);
    return errorResponse(request, COMMAND_ERROR_CODES.COMMAND_FAILED, err instanceof Error ? err.message : String(err));
  }
}
