/**
 * Request/response over MQTT (pure parts): a request on `<prefix>/<agentId>/cmd/<name>` is answered on
 * its MQTT 5 response topic with the same correlation data, or, over 3.1.1 which has neither, on the
 * `responseTopic` field of the JSON body with its `transaction` echoed. Shape as Zigbee2MQTT answers:
 * `{status, data, error, transaction}`.
 */

/** Handles one command; its return value is the response's `data`. Throwing answers with status error. */
export type CommandHandler = (request: Record<string, unknown>) => unknown;

export interface CommandResponse {
  status: 'ok' | 'error';
  data?: unknown;
  error?: string;
  transaction?: unknown;
}

/** A parsed request: where to answer, and what to echo. */
export interface CommandRequest {
  body: Record<string, unknown>;
  responseTopic?: string;
  correlationData?: Buffer;
  transaction?: unknown;
}

/** Reads a request from its payload and MQTT 5 properties (pure). A body that is not a JSON object is `{}`. */
export function parseCommandRequest(payload: Buffer, properties?: { responseTopic?: string; correlationData?: Buffer }): CommandRequest {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(payload.toString('utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // empty or not JSON: a command without arguments
  }
  const fieldTopic = typeof body.responseTopic === 'string' && body.responseTopic.length > 0 ? body.responseTopic : undefined;
  const responseTopic = properties?.responseTopic ?? fieldTopic;
  return {
    body,
    ...(responseTopic === undefined ? {} : { responseTopic }),
    ...(properties?.correlationData === undefined ? {} : { correlationData: properties.correlationData }),
    ...(body.transaction === undefined ? {} : { transaction: body.transaction }),
  };
}

/** Runs the handler for `name` and builds the response (unknown command and thrown errors → status error). */
export async function runCommand(handlers: ReadonlyMap<string, CommandHandler>, name: string, request: CommandRequest): Promise<CommandResponse> {
  const echo = request.transaction === undefined ? {} : { transaction: request.transaction };
  const handler = handlers.get(name);
  if (handler === undefined) {
    return { status: 'error', error: `unknown command "${name}" (known: ${[...handlers.keys()].sort().join(', ') || 'none'})`, ...echo };
  }
  try {
    const data = await handler(request.body);
    return { status: 'ok', ...(data === undefined ? {} : { data }), ...echo };
  } catch (err) {
    return { status: 'error', error: err instanceof Error ? err.message : String(err), ...echo };
  }
}
