import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  DEFAULT_COMMAND_NONCE_TTL_MS,
  forgetExpiredNonces,
  rememberNonce,
  signCommand,
  verifyCommand,
  type NonceMemory,
} from '../../../agent/uplink/command-auth.js';

const SECRET = 'shared-secret-for-tests';
const NOW = 1_800_000_000_000;

function signed(name: string, body: Record<string, unknown>, secret = SECRET): Record<string, unknown> {
  return { ...body, sig: signCommand(secret, name, body) };
}

describe('command signatures', () => {
  it('canonical JSON sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 2, y: 'x' }], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[1,{"y":"x","z":2}]},"b":1}');
  });

  it('sig is hex HMAC-SHA256 of name, ts, nonce and the canonical body without sig (the documented recipe)', () => {
    const body = { id: 'inc-1', ts: NOW, nonce: 'n-1', transaction: 7 };
    const text = `ack\n${NOW}\nn-1\n{"id":"inc-1","nonce":"n-1","transaction":7,"ts":${NOW}}`;
    expect(signCommand(SECRET, 'ack', body)).toBe(createHmac('sha256', SECRET).update(text).digest('hex'));
    // Key order and an existing sig field do not change it.
    expect(signCommand(SECRET, 'ack', { transaction: 7, nonce: 'n-1', sig: 'x', ts: NOW, id: 'inc-1' })).toBe(signCommand(SECRET, 'ack', body));
  });

  it('accepts a correctly signed, fresh, unseen command', () => {
    const body = signed('ack', { id: 'inc-1', ts: NOW - 5_000, nonce: 'n-1' });
    expect(verifyCommand({ secret: SECRET, name: 'ack', body, nowMs: NOW, seen: new Map() })).toEqual({ ok: true, nonce: 'n-1' });
  });

  it.each([
    ['unsigned', { id: 'inc-1', ts: NOW, nonce: 'n' }, /"sig" is missing/],
    ['no ts', { ...signed('ack', { id: 'inc-1', nonce: 'n' }) }, /"ts"/],
    ['no nonce', { ...signed('ack', { id: 'inc-1', ts: NOW }) }, /"nonce"/],
    ['tampered body', { ...signed('ack', { id: 'inc-1', ts: NOW, nonce: 'n' }), id: 'inc-2' }, /bad signature/],
    ['wrong secret', signed('ack', { id: 'inc-1', ts: NOW, nonce: 'n' }, 'other-secret'), /bad signature/],
    ['garbage sig', { id: 'inc-1', ts: NOW, nonce: 'n', sig: 'zz' }, /bad signature/],
    ['ts 61 s old', signed('ack', { id: 'inc-1', ts: NOW - 61_000, nonce: 'n' }), /-61 s from the box clock/],
    ['ts 61 s ahead', signed('ack', { id: 'inc-1', ts: NOW + 61_000, nonce: 'n' }), /61 s from the box clock/],
  ])('rejects %s', (_what, body, reason) => {
    const result = verifyCommand({ secret: SECRET, name: 'ack', body, nowMs: NOW, seen: new Map() });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('a signature for one command name does not work for another', () => {
    const body = signed('status', { ts: NOW, nonce: 'n' });
    expect(verifyCommand({ secret: SECRET, name: 'reload', body, nowMs: NOW, seen: new Map() })).toMatchObject({ ok: false, reason: 'bad signature' });
  });

  it('rejects a nonce seen in the last 5 minutes, accepts it once forgotten', () => {
    const seen: NonceMemory = new Map();
    const body = signed('ack', { id: 'inc-1', ts: NOW, nonce: 'n-1' });
    expect(verifyCommand({ secret: SECRET, name: 'ack', body, nowMs: NOW, seen }).ok).toBe(true);
    rememberNonce(seen, 'n-1', NOW);
    expect(verifyCommand({ secret: SECRET, name: 'ack', body, nowMs: NOW + 1_000, seen })).toMatchObject({ ok: false, reason: /replayed/ });
    const later = NOW + DEFAULT_COMMAND_NONCE_TTL_MS;
    forgetExpiredNonces(seen, later);
    expect(seen.size).toBe(0);
    const fresh = signed('ack', { id: 'inc-1', ts: later, nonce: 'n-1' });
    expect(verifyCommand({ secret: SECRET, name: 'ack', body: fresh, nowMs: later, seen }).ok).toBe(true);
  });

  it('refuses new nonces when the memory is full (bounded, fails closed)', () => {
    const seen: NonceMemory = new Map([['a', NOW + 1], ['b', NOW + 1]]);
    const body = signed('ack', { ts: NOW, nonce: 'c' });
    expect(verifyCommand({ secret: SECRET, name: 'ack', body, nowMs: NOW, seen, capacity: 2 })).toMatchObject({ ok: false, reason: /too many/ });
  });
});
