import { createHmac, timingSafeEqual } from 'node:crypto';
import { CamwatchError } from '../ops/errors.js';

/**
 * Signed IOC commands (mqtt.commandSecretFile / commandSecretEnv). A request body carries `ts` (ms epoch),
 * `nonce` and `sig` = hex HMAC-SHA256(secret, `${name}\n${ts}\n${nonce}\n${canonical body without sig}`),
 * so a client that can publish to the broker but does not hold the secret cannot command the box, and a
 * captured request cannot be played again. Decisions are pure; the nonce memory is plain data.
 */

/** A request whose `ts` is further than this from the box clock (ms) is refused: bounds replays and clock skew. */
export const DEFAULT_COMMAND_MAX_SKEW_MS = 60_000;
/** How long a nonce is remembered (ms); longer than twice the skew, so a replay is refused by one check or the other. */
export const DEFAULT_COMMAND_NONCE_TTL_MS = 5 * 60_000;
/** Nonces remembered at most; beyond this, new commands are refused until old ones expire (fail closed, bounded memory). */
export const DEFAULT_COMMAND_NONCE_CAPACITY = 10_000;

/**
 * JSON with object keys sorted at every level and no whitespace: the signer and the box must hash the
 * same bytes whatever order a JSON library writes keys in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The text that is signed for command `name` with `body` (its `sig` field ignored). */
export function signingText(name: string, body: Record<string, unknown>): string {
  const { sig: _sig, ...rest } = body;
  return `${name}\n${String(body.ts)}\n${String(body.nonce)}\n${canonicalJson(rest)}`;
}

/** hex HMAC-SHA256 of the signing text: what the IOC puts in `sig` (also used by tests and tools). */
export function signCommand(secret: string, name: string, body: Record<string, unknown>): string {
  return createHmac('sha256', secret).update(signingText(name, body), 'utf8').digest('hex');
}

/** Nonces seen recently: nonce → when it may be forgotten (epoch ms). */
export type NonceMemory = Map<string, number>;

export interface VerifyInput {
  secret: string;
  name: string;
  body: Record<string, unknown>;
  nowMs: number;
  seen: ReadonlyMap<string, number>;
  maxSkewMs?: number;
  capacity?: number;
}

export type VerifyResult = { ok: true; nonce: string } | { ok: false; reason: string };

/** Decides whether a command may run (pure). On ok, the caller records the nonce with rememberNonce(). */
export function verifyCommand(input: VerifyInput): VerifyResult {
  const { body, nowMs } = input;
  const maxSkewMs = input.maxSkewMs ?? DEFAULT_COMMAND_MAX_SKEW_MS;
  if (typeof body.sig !== 'string' || body.sig.length === 0) return { ok: false, reason: 'not signed: "sig" is missing' };
  if (typeof body.ts !== 'number' || !Number.isFinite(body.ts)) return { ok: false, reason: '"ts" (ms since epoch, a number) is missing' };
  if (typeof body.nonce !== 'string' || body.nonce.length === 0 || body.nonce.length > 128) {
    return { ok: false, reason: '"nonce" (a string of 1 to 128 characters) is missing' };
  }
  const expected = Buffer.from(signCommand(input.secret, input.name, body), 'hex');
  const given = /^[0-9a-fA-F]{64}$/.test(body.sig) ? Buffer.from(body.sig, 'hex') : Buffer.alloc(0);
  // Constant time: a byte-by-byte compare would tell an attacker how much of a forged sig is right.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  const skew = body.ts - nowMs;
  if (Math.abs(skew) > maxSkewMs) {
    return { ok: false, reason: `"ts" is ${Math.round(skew / 1000)} s from the box clock (allowed ±${maxSkewMs / 1000} s; check NTP on both sides)` };
  }
  const until = input.seen.get(body.nonce);
  if (until !== undefined && until > nowMs) return { ok: false, reason: 'replayed: this nonce was already used' };
  if (input.seen.size >= (input.capacity ?? DEFAULT_COMMAND_NONCE_CAPACITY) && until === undefined) {
    return { ok: false, reason: 'too many commands in the last minutes; retry later' };
  }
  return { ok: true, nonce: body.nonce };
}

/** Forgets expired nonces; call before verifyCommand so the capacity counts live ones only (mutates `seen`). */
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
