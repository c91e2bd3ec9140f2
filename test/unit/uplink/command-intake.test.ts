import { describe, expect, it } from 'vitest';
import { signedCommandPayload } from '../../../agent/uplink/command-auth.js';
import { takeCommand, type IntakeContext } from '../../../agent/uplink/command-intake.js';
import { DEFAULT_COMMAND_LIMITS } from '../../../agent/uplink/commands.js';

const NOW = 1_800_000_000_000;
const SECRET = 'intake-secret';
const TREE = 'camwatch/edge-1/responses';
const ctx = (over: Partial<IntakeContext> = {}): IntakeContext => ({ prefix: 'camwatch', agentId: 'edge-1', limits: DEFAULT_COMMAND_LIMITS, nowMs: NOW, nonces: new Map(), ...over });
const msg = (payload: string, over: { retain?: boolean; properties?: { responseTopic?: unknown; correlationData?: unknown } } = {}) => ({ name: 'ack', payload: Buffer.from(payload), retain: false, ...over });

describe('takeCommand: what happens to one command message', () => {
  it('ignores retained messages and empty payloads (the MQTT way to clear a retained message)', () => {
    expect(takeCommand(msg('{"id":"x"}', { retain: true }), ctx())).toEqual({ kind: 'ignore', reason: 'retained' });
    expect(takeCommand(msg(''), ctx())).toEqual({ kind: 'ignore', reason: 'empty' });
  });

  it('runs a valid request, answering on its MQTT 5 response topic with the correlation data, or on the body\'s responseTopic', () => {
    const corr = Buffer.from('c-1');
    expect(takeCommand(msg('{"id":"x","transaction":3}', { properties: { responseTopic: `${TREE}/ioc`, correlationData: corr } }), ctx())).toEqual({
      kind: 'run', request: { body: { id: 'x', transaction: 3 }, transaction: 3 }, reply: { topic: `${TREE}/ioc`, correlationData: corr },
    });
    expect(takeCommand(msg(`{"id":"x","responseTopic":"${TREE}/v4"}`), ctx())).toMatchObject({ kind: 'run', reply: { topic: `${TREE}/v4` } });
    expect(takeCommand(msg('{"id":"x"}'), ctx())).toEqual({ kind: 'run', request: { body: { id: 'x' } } });
  });

  it('refuses a response topic outside the tree: not run, answered on responses/refused', () => {
    const r = takeCommand(msg('{"id":"x","transaction":9}', { properties: { responseTopic: 'camwatch/edge-2/incidents/security/zone_intrusion', correlationData: Buffer.from('c') } }), ctx());
    expect(r).toEqual({
      kind: 'refuse',
      reply: { topic: `${TREE}/refused`, correlationData: Buffer.from('c') },
      response: { status: 'error', transaction: 9, error: { code: 'COMMAND_RESPONSE_TOPIC', message: `command "ack" not run: response topic "camwatch/edge-2/incidents/security/zone_intrusion" refused: it must be ${TREE}/<name>` } },
    });
    expect(takeCommand(msg('{"responseTopic":42}'), ctx())).toMatchObject({ kind: 'refuse', response: { error: { code: 'COMMAND_RESPONSE_TOPIC', message: expect.stringContaining('must be a string') } } });
  });

  it('too large, too deep, not JSON: COMMAND_INVALID; over 3.1.1 an unreadable body has no reply topic (logged only)', () => {
    const v5 = { properties: { responseTopic: `${TREE}/x` } };
    expect(takeCommand(msg(`{"p":"${'x'.repeat(70_000)}"}`, v5), ctx())).toMatchObject({ kind: 'refuse', reply: { topic: `${TREE}/x` }, response: { error: { code: 'COMMAND_INVALID', message: expect.stringContaining('over the 65536 byte limit') } } });
    expect(takeCommand(msg(`${'['.repeat(40)}${']'.repeat(40)}`, v5), ctx())).toMatchObject({ response: { error: { code: 'COMMAND_INVALID', message: expect.stringContaining('deeper than 32') } } });
    expect(takeCommand(msg('nope', v5), ctx())).toMatchObject({ response: { error: { code: 'COMMAND_INVALID', message: 'ack: the request body is not valid JSON' } } });
    const v4deep = takeCommand(msg(`{"responseTopic":"${TREE}/x","t":${'['.repeat(40)}${']'.repeat(40)}}`), ctx());
    expect(v4deep).toMatchObject({ kind: 'refuse', response: { error: { code: 'COMMAND_INVALID' } } });
    expect(v4deep).not.toHaveProperty('reply');
  });

  it('signed: the signature on the raw bytes first, then depth, then ts/nonce; an accepted nonce is remembered', () => {
    const nonces = new Map<string, number>();
    const c = ctx({ secret: SECRET, nonces });
    const good = signedCommandPayload(SECRET, 'ack', { id: 'x', ts: NOW, nonce: 'n-1', responseTopic: `${TREE}/s` });
    expect(takeCommand(msg(good), c)).toMatchObject({ kind: 'run', reply: { topic: `${TREE}/s` } });
    expect(nonces.has('n-1')).toBe(true);
    expect(takeCommand(msg(good), c)).toMatchObject({ kind: 'refuse', response: { error: { code: 'COMMAND_REJECTED', message: expect.stringContaining('replayed') } } });
    // Unsigned and deep: refused on the signature (its routing read only from MQTT 5 properties).
    expect(takeCommand(msg(`{"t":${'['.repeat(5_000)}${']'.repeat(5_000)}}`, { properties: { responseTopic: `${TREE}/s` } }), c)).toMatchObject({ response: { error: { code: 'COMMAND_REJECTED', message: expect.stringContaining('not signed') } } });
    const stale = signedCommandPayload(SECRET, 'ack', { id: 'x', ts: NOW - 120_000, nonce: 'n-2', responseTopic: `${TREE}/s` });
    expect(takeCommand(msg(stale), c)).toMatchObject({ kind: 'refuse', reply: { topic: `${TREE}/s` }, response: { error: { code: 'COMMAND_REJECTED', message: expect.stringContaining('from the box clock') } } });
    expect(nonces.has('n-2')).toBe(false);
  });
});
