/**
 * Seeded, time-bounded fuzz of the command path (intake + handlers): random bytes, deep nesting, huge
 * strings, wrong types, unicode, prototype-pollution keys. Whatever comes in, nothing throws or rejects
 * out of it, and the outcome is an ignore, an error response, or a run whose body is a plain object.
 * CAMWATCH_FUZZ_SEED=<n> replays a failing run; FUZZ_MS sets the time budget (default 3 s, at most 5 s).
 */
import { describe, expect, it } from 'vitest';
import { fuzzSeed, Rng } from '../../helpers/seeded-fuzz.js';
import { agentCommands, type CommandTarget } from '../../../agent/ops/commands.js';
import { signedCommandPayload } from '../../../agent/uplink/command-auth.js';
import { takeCommand, type CommandMessage } from '../../../agent/uplink/command-intake.js';
import { DEFAULT_COMMAND_LIMITS, runCommand, type CommandHandler } from '../../../agent/uplink/commands.js';
import { schemaErrors, validateCommandResponse } from '../../fixtures/outbox-schemas.js';

const SEED = fuzzSeed();
const BUDGET_MS = Math.min(Number(process.env.FUZZ_MS ?? 3_000), 5_000);
const SECRET = 'fuzz-secret';
const TREE = 'camwatch/edge-f/responses';

/** The shared seeded generator as the `() => number` these cases are written against. */
const rng = (seed: number): (() => number) => {
  const r = new Rng(seed);
  return () => r.next();
};

const KEYS = ['id', 'camera', 'since', 'ids', 'transaction', 'responseTopic', 'ts', 'nonce', 'sig', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'é中🙂', ''];
const NAMES = ['ack', 'status', 'snapshot', 'reload', 'resend', 'reboot', '__proto__', 'constructor', 'toString', 'x'.repeat(300)];

function fuzzValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * 12);
  if (depth > 6 && pick > 7) return null;
  switch (pick) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return Math.floor((r() - 0.5) * 1e12);
    case 3: return [Number.MAX_SAFE_INTEGER, -0, 1e308, 0.1][Math.floor(r() * 4)];
    case 4: return 'x'.repeat(Math.floor(r() * 2_000));
    case 5: return ['', '\u0000', '\ud800', 'é中🙂', '1970-01-01T00:00:00Z', 'camwatch/edge-f/responses/a', 'ioc/#', `${TREE}/+`][Math.floor(r() * 8)];
    case 6: case 7: return Array.from({ length: Math.floor(r() * 4) }, () => fuzzValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 5); i > 0; i--) o[KEYS[Math.floor(r() * KEYS.length)]!] = fuzzValue(r, depth + 1);
      return o;
    }
  }
}

/** A JSON text for a fuzzed value, with `__proto__` written as a real key (JSON.stringify would skip an inherited one). */
function fuzzPayload(r: () => number): Buffer {
  const kind = Math.floor(r() * 10);
  if (kind === 0) return Buffer.from(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256)));
  if (kind === 1) {
    const n = Math.floor(r() * 20_000);
    const open = r() < 0.5 ? '[' : '{"a":';
    return Buffer.from(`{"transaction":${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(r() < 0.8 ? n : n / 2)}}`);
  }
  if (kind === 2) return Buffer.from(`{"pad":"${'y'.repeat(60_000 + Math.floor(r() * 20_000))}"}`);
  if (kind === 3) return Buffer.from(`{"__proto__":{"polluted":true,"ts":1},"constructor":{"prototype":{"polluted":true}},"id":"x","responseTopic":"${TREE}/p"}`);
  const text = JSON.stringify(fuzzValue(r, 0)) ?? 'null';
  if (kind === 4 && text.length > 2) return Buffer.from(text.slice(0, Math.floor(r() * text.length))); // truncated
  return Buffer.from(text);
}

const target: CommandTarget = {
  acknowledge: (id) => (id === 'known' ? 1 : undefined),
  status: () => ({
    agentId: 'edge-f',
    version: '0.0.0',
    uptimeS: 1,
    model: 'yolox_nano_416',
    detector: { busyFraction: 0, queued: 0 },
    uplink: { connected: true, published: 0, pending: 0 },
    cameras: [],
  }),
  reloadFromDisk: () => Promise.resolve({ start: [], stop: [], restart: [], unchanged: [], detector: false, uplink: false, needsRestart: [] }),
  snapshot: () => Promise.resolve(undefined),
  resend: () => 0,
  cameraIds: () => ['cam-1'],
};

describe('command fuzz', () => {
  it(`random, deep, huge, mistyped and prototype-polluting commands never escape the handler (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const handlers = new Map<string, CommandHandler>(Object.entries(agentCommands(target)));
    const nonces = new Map<string, number>();
    const deadline = Date.now() + BUDGET_MS;
    let cases = 0;
    const outcomes = { ignore: 0, refuse: 0, run: 0 };
    try {
      while (Date.now() < deadline) {
        cases += 1;
        const name = NAMES[Math.floor(r() * NAMES.length)]!;
        const secret = r() < 0.3 ? SECRET : undefined;
        let payload = fuzzPayload(r);
        if (secret !== undefined && r() < 0.5) {
          const body = fuzzValue(r, 0);
          const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : {};
          payload = Buffer.from(signedCommandPayload(SECRET, name, { ...fields, ts: Date.now(), nonce: `n-${cases}` }));
        }
        const message: CommandMessage = {
          name,
          payload,
          retain: r() < 0.05,
          properties: r() < 0.5 ? { responseTopic: fuzzValue(r, 5), correlationData: r() < 0.5 ? Buffer.from('c') : fuzzValue(r, 5) } : { responseTopic: `${TREE}/ok` },
        };
        const intake = takeCommand(message, { prefix: 'camwatch', agentId: 'edge-f', limits: DEFAULT_COMMAND_LIMITS, nowMs: Date.now(), nonces, ...(secret === undefined ? {} : { secret }) });
        outcomes[intake.kind] += 1;
        if (intake.kind === 'refuse') {
          expect(typeof intake.response.error.code).toBe('string');
          expect(typeof intake.response.error.message).toBe('string');
          expect(intake.response.error.message.length).toBeLessThan(2_000);
          if (intake.reply !== undefined) expect(intake.reply.topic.startsWith(`${TREE}/`)).toBe(true);
        } else if (intake.kind === 'run') {
          expect(Object.getPrototypeOf(intake.request.body)).toBe(Object.prototype);
          if (intake.reply !== undefined) expect(intake.reply.topic.startsWith(`${TREE}/`)).toBe(true);
          const response = await runCommand(handlers, name, intake.request);
          expect(schemaErrors(validateCommandResponse, response)).toBe('');
          expect(() => JSON.stringify(response)).not.toThrow();
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }
    } catch (err) {
      throw new Error(`command fuzz failed at case ${cases} (replay: CAMWATCH_FUZZ_SEED=${SEED} npx vitest run test/unit/uplink/command-fuzz.test.ts): ${err instanceof Error ? err.stack : String(err)}`);
    }
    // The generator reached every outcome (else the fuzz would be testing nothing).
    expect(cases).toBeGreaterThan(100);
    expect(outcomes.refuse).toBeGreaterThan(0);
    expect(outcomes.run).toBeGreaterThan(0);
    expect(outcomes.ignore).toBeGreaterThan(0);
  }, 15_000);
});
