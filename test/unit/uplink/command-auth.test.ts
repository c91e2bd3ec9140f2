import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkCommandFreshness,
  DEFAULT_COMMAND_NONCE_TTL_MS,
  forgetExpiredNonces,
  rememberNonce,
  SIGNED_HEAD_BYTES,
  signCommandJson,
  signedCommandPayload,
  verifyCommandSignature,
  type NonceMemory,
} from '../../../agent/uplink/command-auth.js';

const SECRET = 'shared-secret-for-tests';
const NOW = 1_800_000_000_000;

describe('command signatures over the raw payload', () => {
  it('sig is hex HMAC-SHA256 of `name\\n` + the JSON as sent, spliced in as the first member (the documented recipe)', () => {
    const json = `{"id":"inc-1","ts":${NOW},"nonce":"n-1","transaction":7}`;
    const sig = createHmac('sha256', SECRET).update(`ack\n${json}`).digest('hex');
    expect(signCommandJson(SECRET, 'ack', json)).toBe(sig);
    const payload = signedCommandPayload(SECRET, 'ack', { id: 'inc-1', ts: NOW, nonce: 'n-1', transaction: 7 });
    expect(payload).toBe(`{"sig":"${sig}","id":"inc-1","ts":${NOW},"nonce":"n-1","transaction":7}`);
    expect(payload.indexOf(',"id"')).toBe(SIGNED_HEAD_BYTES - 1);
    // Still one JSON object for anyone who parses it.
    expect(JSON.parse(payload)).toMatchObject({ sig, id: 'inc-1' });
    expect(verifyCommandSignature(SECRET, 'ack', Buffer.from(payload))).toEqual({ ok: true });
  });

  it.each([
    ['unsigned', `{"id":"inc-1","ts":${NOW},"nonce":"n"}`, /^not signed/],
    ['sig not first', `{"id":"inc-1","sig":"${'a'.repeat(64)}","ts":${NOW}}`, /^not signed/],
    ['whitespace in the head', `{ "sig":"${'a'.repeat(64)}","id":"inc-1"}`, /^not signed/],
    ['short sig', `{"sig":"abc","id":"inc-1"}`, /^not signed/],
    ['non-hex sig', `{"sig":"${'z'.repeat(64)}","id":"inc-1"}`, /^not signed/],
    ['sig only', `{"sig":"${'a'.repeat(64)}",`, /^not signed/],
    ['empty', '', /^not signed/],
  ])('refuses %s without computing anything on the body', (_what, payload, reason) => {
    const result = verifyCommandSignature(SECRET, 'ack', Buffer.from(payload));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('any change to the bytes, the name or the secret breaks it; key order is the signer\'s, not re-canonicalised', () => {
    const payload = signedCommandPayload(SECRET, 'ack', { id: 'inc-1', ts: NOW, nonce: 'n' });
    const tampered = payload.replace('inc-1', 'inc-2');
    expect(verifyCommandSignature(SECRET, 'ack', Buffer.from(tampered))).toEqual({ ok: false, reason: 'bad signature' });
    const spaced = payload.replace('"ts":', '"ts": ');
    expect(verifyCommandSignature(SECRET, 'ack', Buffer.from(spaced))).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyCommandSignature(SECRET, 'reload', Buffer.from(payload))).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyCommandSignature('other-secret', 'ack', Buffer.from(payload))).toEqual({ ok: false, reason: 'bad signature' });
    const reordered = signedCommandPayload(SECRET, 'ack', { nonce: 'n', ts: NOW, id: 'inc-1' });
    expect(verifyCommandSignature(SECRET, 'ack', Buffer.from(reordered))).toEqual({ ok: true });
    expect(() => signedCommandPayload(SECRET, 'ack', {})).toThrow(/ts and nonce/);
  });
});

describe('freshness of a signed command (ts window, nonces)', () => {
  it('accepts a fresh, unseen command', () => {
    expect(checkCommandFreshness({ body: { ts: NOW - 5_000, nonce: 'n-1' }, nowMs: NOW, seen: new Map() })).toEqual({ ok: true, nonce: 'n-1' });
  });

  it.each([
    ['no ts', { nonce: 'n' }, /"ts"/],
    ['ts a string', { ts: String(NOW), nonce: 'n' }, /"ts"/],
    ['no nonce', { ts: NOW }, /"nonce"/],
    ['nonce too long', { ts: NOW, nonce: 'n'.repeat(129) }, /"nonce"/],
    ['ts 61 s old', { ts: NOW - 61_000, nonce: 'n' }, /-61 s from the box clock/],
    ['ts 61 s ahead', { ts: NOW + 61_000, nonce: 'n' }, /61 s from the box clock/],
    ['ts only on the prototype', JSON.parse(`{"__proto__":{"ts":${NOW},"nonce":"n"}}`) as Record<string, unknown>, /"ts"/],
  ])('rejects %s', (_what, body, reason) => {
    const result = checkCommandFreshness({ body, nowMs: NOW, seen: new Map() });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('rejects a nonce seen in the last 5 minutes, accepts it once forgotten', () => {
    const seen: NonceMemory = new Map();
    const body = { ts: NOW, nonce: 'n-1' };
    expect(checkCommandFreshness({ body, nowMs: NOW, seen }).ok).toBe(true);
    rememberNonce(seen, 'n-1', NOW);
    expect(checkCommandFreshness({ body, nowMs: NOW + 1_000, seen })).toMatchObject({ ok: false, reason: /replayed/ });
    const later = NOW + DEFAULT_COMMAND_NONCE_TTL_MS;
    forgetExpiredNonces(seen, later);
    expect(seen.size).toBe(0);
    expect(checkCommandFreshness({ body: { ts: later, nonce: 'n-1' }, nowMs: later, seen }).ok).toBe(true);
  });

  it('refuses new nonces when the memory is full (bounded, fails closed)', () => {
    const seen: NonceMemory = new Map([['a', NOW + 1], ['b', NOW + 1]]);
    expect(checkCommandFreshness({ body: { ts: NOW, nonce: 'c' }, nowMs: NOW, seen, capacity: 2 })).toMatchObject({ ok: false, reason: /too many/ });
  });
});
