import { checkCommandFreshness, forgetExpiredNonces, rememberNonce, verifyCommandSignature, type NonceMemory } from './command-auth.js';
import { COMMAND_ERROR_CODES, displayName, errorResponse, ownField, parseCommandBody, type CommandLimits, type CommandRequest, type ErrorResponse } from './commands.js';
import { refusedResponseTopic, responseTopicProblem } from './topics.js';

/**
 * What the box does with one message on a command topic, decided without I/O and without ever throwing
 * (the uplink sends, runs and logs). In order, each step cheaper than the next and nothing recursive
 * before the depth is known:
 *   retained → ignored (it would run again at every connect); empty → ignored (the MQTT way to clear a
 *   retained message, never a command); byte cap; signature on the raw bytes (when a secret is set);
 *   nesting depth; JSON.parse; response topic inside the box's response tree; `ts`/`nonce` freshness.
 * The first failure is the answer, sent on the requested response topic when it is allowed, else on
 * `<prefix>/<agentId>/responses/refused`; the command does not run.
 */

/** An incoming message on `<prefix>/<agentId>/cmd/<name>`. */
export interface CommandMessage {
  name: string;
  payload: Buffer;
  retain: boolean;
  /** MQTT 5 properties as MQTT.js gives them (not trusted: any type). */
  properties?: { responseTopic?: unknown; correlationData?: unknown };
}

export interface IntakeContext {
  prefix: string;
  agentId: string;
  limits: CommandLimits;
  /** Shared signing secret; absent: unsigned requests are accepted. */
  secret?: string;
  nowMs: number;
  /** Nonces of accepted signed requests; a request that is let through is recorded here (mutated). */
  nonces: NonceMemory;
}

/** Where to answer: a topic in the response tree, with the MQTT 5 correlation data to echo. */
export interface Reply {
  topic: string;
  correlationData?: Buffer;
}

export type Intake =
  | { kind: 'ignore'; reason: 'retained' | 'empty' }
  | { kind: 'refuse'; reply?: Reply; response: ErrorResponse }
  | { kind: 'run'; request: CommandRequest; reply?: Reply };

/** Decides what to do with one command message (pure apart from recording an accepted nonce in ctx.nonces). */
export function takeCommand(message: CommandMessage, ctx: IntakeContext): Intake {
  if (message.retain) return { kind: 'ignore', reason: 'retained' };
  if (message.payload.length === 0) return { kind: 'ignore', reason: 'empty' };
  const name = displayName(message.name);
  const correlationData = Buffer.isBuffer(message.properties?.correlationData) ? message.properties.correlationData : undefined;
  const propertyTopic = message.properties?.responseTopic;

  // The signature is over the raw bytes: checked before anything is parsed. The body is still parsed
  // (bounded by the byte and depth caps) when it fails, only to know where to send the refusal.
  const signature = ctx.secret === undefined ? undefined : verifyCommandSignature(ctx.secret, message.name, message.payload);
  const parsed = parseCommandBody(message.payload, ctx.limits);
  const body = parsed.ok ? parsed.body : undefined;
  const requestedTopic = propertyTopic ?? (body === undefined ? undefined : ownField(body, 'responseTopic'));
  const route = replyRoute(ctx, requestedTopic, correlationData);
  const transaction = body === undefined ? undefined : ownField(body, 'transaction');

  const refuse = (code: string, text: string): Intake => {
    if (route.problem !== undefined) {
      const also = text.length > 0 ? `; the request was also refused: ${text}` : '';
      return { kind: 'refuse', reply: route.reply, response: errorResponse(transaction, COMMAND_ERROR_CODES.COMMAND_RESPONSE_TOPIC, `command "${name}" not run: ${route.problem}${also}`) };
    }
    return { kind: 'refuse', ...(route.reply === undefined ? {} : { reply: route.reply }), response: errorResponse(transaction, code, text) };
  };

  if (signature !== undefined && !signature.ok) return refuse(COMMAND_ERROR_CODES.COMMAND_REJECTED, `command "${name}" rejected: ${signature.reason}`);
  if (!parsed.ok) return refuse(COMMAND_ERROR_CODES.COMMAND_INVALID, `${name}: ${parsed.message}`);
  if (route.problem !== undefined) return refuse(COMMAND_ERROR_CODES.COMMAND_RESPONSE_TOPIC, '');
  if (ctx.secret !== undefined) {
    forgetExpiredNonces(ctx.nonces, ctx.nowMs);
    const fresh = checkCommandFreshness({ body: parsed.body, nowMs: ctx.nowMs, seen: ctx.nonces });
    if (!fresh.ok) return refuse(COMMAND_ERROR_CODES.COMMAND_REJECTED, `command "${name}" rejected: ${fresh.reason}`);
    rememberNonce(ctx.nonces, fresh.nonce, ctx.nowMs);
  }
  return {
    kind: 'run',
    request: { body: parsed.body, ...(transaction === undefined ? {} : { transaction }) },
    ...(route.reply === undefined ? {} : { reply: route.reply }),
  };
}

interface Route {
  reply?: Reply;
  /** Why the requested topic is refused; the reply then goes to `…/responses/refused`. */
  problem?: string;
}

/** Where a request asked to be answered (MQTT 5 property first, else the body's `responseTopic`), checked. */
function replyRoute(ctx: IntakeContext, requested: unknown, correlationData: Buffer | undefined): Route {
  if (requested === undefined) return {};
  const echo = correlationData === undefined ? {} : { correlationData };
  const problem =
    typeof requested !== 'string'
      ? 'the response topic must be a string'
      : responseTopicProblem(ctx.prefix, ctx.agentId, requested);
  if (problem === undefined) return { reply: { topic: requested as string, ...echo } };
  const shown = typeof requested === 'string' ? ` ${JSON.stringify(requested.length > 200 ? `${requested.slice(0, 200)}…` : requested)}` : '';
  return { problem: `response topic${shown} refused: ${problem}`, reply: { topic: refusedResponseTopic(ctx.prefix, ctx.agentId), ...echo } };
}
