import { createHmac, timingSafeEqual } from 'node:crypto';
import { CamwatchError } from '../core/index.js';

/**
 * Signed IOC commands (mqtt.commandSecretFile / commandSecretEnv), checked on the raw payload bytes before
 * anything parses them. The signer writes the request body as JSON (it must hold `ts`, ms epoch, and
 * `nonce`), computes `sig` = hex HMAC-SHA256(secret, `${name}\n${json}`) over exactly those bytes, and
 * sends them with `sig` spliced in as the first member: `{"sig":"<64 hex>",` + the JSON after its `{`.
 * The box removes that fixed 74-byte head, recomputes the HMAC over `{` + the rest, and only then parses.
 * So a client that can publish to the broker but does not hold the secret cannot command the box, cannot
 * make it walk a hostile body, and a captured request cannot be played again (`ts` window + nonces, both
 * inside the signed bytes). Decisions are pure; the nonce memory is plain data.
 *
 * Until schema 2 of the request (camwatch.command/2) the HMAC was over a canonical re-serialisation of the
 * parsed body; walking that body before it was authenticated is what let a deep one stop the agent.
 */

/** A request whose `ts` is further than this from the box clock (ms) is refused: bounds replays and clock skew. */
export const DEFAULT_COMMAND_MAX_SKEW_MS = 60_000;
/** How long a nonce is remembered (ms); longer than twice the skew, so a replay is refused by one check or the other. */
export const DEFAULT_COMMAND_NONCE_TTL_MS = 5 * 60_000;
/** Nonces remembered at most; beyond this, new commands are refused until old ones expire (fail closed, bounded memory). */
export const DEFAULT_COMMAND_NONCE_CAPACITY = 10_000;

/** `{"sig":"` — a signed payload starts with these bytes, then 64 hex digits, then `",`. */
const SIG_HEAD = Buffer.from('{"sig":"', 'utf8');
const SIG_HEX_LENGTH = 64;
/** Bytes of `{"sig":"<64 hex>",`: what is removed (and replaced by `{`) to get the signed JSON. */
export const SIGNED_HEAD_BYTES = SIG_HEAD.length + SIG_HEX_LENGTH + 2;

/** hex HMAC-SHA256 of `${name}\n${json}`: what the IOC puts in `sig` for the JSON text `json`. */
export function signCommandJson(secret: string, name: string, json: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${name}\n`, 'utf8').update(json).digest('hex');
}

/** A signed payload for command `name` (tests and tools): `body` as JSON, `sig` spliced in first. */
export function signedCommandPayload(secret: string, name: string, body: Record<string, unknown>): string {
  const json = JSON.stringify(body);
  if (!json.startsWith('{') || json === '{}') throw new Error('a signed command body is a JSON object with at least ts and nonce');
  return `{"sig":"${signCommandJson(secret, name, json)}",${json.slice(1)}`;
}

export type SignatureResult = { ok: true } | { ok: false; reason: string };

/**
 * Checks the signature of a raw payload (pure, linear in its length, parses nothing). Constant-time
 * comparison: a byte-by-byte one would tell an attacker how much of a forged sig is right.
 */
export function verifyCommandSignature(secret: string, name: string, payload: Buffer): SignatureResult {
  const hex = payload.subarray(SIG_HEAD.length, SIG_HEAD.length + SIG_HEX_LENGTH).toString('latin1');
  const headOk =
    payload.length > SIGNED_HEAD_BYTES &&
    payload.subarray(0, SIG_HEAD.length).equals(SIG_HEAD) &&
    /^[0-9a-fA-F]{64}$/.test(hex) &&
    payload[SIG_HEAD.length + SIG_HEX_LENGTH] === 0x22 &&
    payload[SIG_HEAD.length + SIG_HEX_LENGTH + 1] === 0x2c;
  if (!headOk) return { ok: false, reason: 'not signed: the payload must start with {"sig":"<64 hex digits>", (docs/mqtt.md, Signed commands)' };
  const json = Buffer.concat([Buffer.from('{'), payload.subarray(SIGNED_HEAD_BYTES)]);
  const expected = Buffer.from(signCommandJson(secret, name, json), 'hex');
  const given = Buffer.from(hex, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  return { ok: true };
}

/** Nonces seen recently: nonce → when it may be forgotten (epoch ms). */
export type NonceMemory = Map<string, number>;

export interface FreshnessInput {
  /** The parsed body of a request whose signature was verified. */
  body: Record<string, unknown>;
  nowMs: number;
  seen: ReadonlyMap<string, number>;
  maxSkewMs?: number;
  capacity?: number;
}

export type FreshnessResult = { ok: true; nonce: string } | { ok: false; reason: string };

/** Decides whether a signed request is fresh: `ts` in the window, `nonce` unseen (pure). On ok, record it with rememberNonce(). */
export function checkCommandFreshness(input: FreshnessInput): FreshnessResult {
  const { body, nowMs } = input;
  const maxSkewMs = input.maxSkewMs ?? DEFAULT_COMMAND_MAX_SKEW_MS;
  const ts = Object.hasOwn(body, 'ts') ? body.ts : undefined;
  const nonce = Object.hasOwn(body, 'nonce') ? body.nonce : undefined;
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return { ok: false, reason: '"ts" (ms since epoch, a number) is missing' };
  if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > 128) {
    return { ok: false, reason: '"nonce" (a string of 1 to 128 characters) is missing' };
  }
  const skew = ts - nowMs;
  if (Math.abs(skew) > maxSkewMs) {
    return { ok: false, reason: `"ts" is ${Math.round(skew / 1000)} s from the box clock (allowed ±${maxSkewMs / 1000} s; check NTP on both sides)` };
  }
  const until = input.seen.get(nonce);
  if (until !== undefined && until > nowMs) return { ok: false, reason: 'replayed: this nonce was already used' };
  if (input.seen.size >= (input.capacity ?? DEFAULT_COMMAND_NONCE_CAPACITY) && until === undefined) {
    return { ok: false, reason: 'too many commands in the last minutes; retry later' };
  }
  return { ok: true, nonce };
}

/** Forgets expired nonces; call before checkCommandFreshness so the capacity counts live ones only (mutates `seen`). */
export function forgetExpiredNonces(seen: NonceMemory, nowMs: number): void {
  for (const [n, until] of seen) if (until <= nowMs) seen.delete(n);
}

/** Records an accepted nonce (mutates `seen`; no I/O). */
export function rememberNonce(seen: NonceMemory, nonce: string, nowMs: number, ttlMs = DEFAULT_COMMAND_NONCE_TTL_MS): void {
  seen.set(nonce, nowMs + ttlMs);
}

/** The COMMAND_REJECTED error answered for a refused command (never includes the secret or the sig). */
export function commandRejected(name: string, reason: string): CamwatchError {
  return new CamwatchError('COMMAND_REJECTED', `command "${name}" rejected: ${reason}`, { details: { command: name } });
}
