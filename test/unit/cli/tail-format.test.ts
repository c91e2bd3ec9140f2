import { describe, expect, it } from 'vitest';
import { formatTailLine, formatTime, jsonLine, matchesFilter, parseTailMessage, type TailMessage } from '../../../agent/cli/tail-format.js';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const NOW = Date.parse('2024-05-01T10:00:00Z');
const opts = { showAgent: false, retained: false, nowMs: NOW };

describe('tail: topics', () => {
  it('classifies incidents, camera states and the agent status below the prefix', () => {
    expect(parseTailMessage('city/camwatch/', 'city/camwatch/box1/incidents/security/zone_intrusion', json({ id: 'x' }))).toEqual({ kind: 'incident', agentId: 'box1', payload: { id: 'x' } });
    expect(parseTailMessage('camwatch', 'camwatch/box1/cameras/gate/state', json({ state: 'online' }))).toEqual({ kind: 'camera', agentId: 'box1', cameraId: 'gate', payload: { state: 'online' } });
    expect(parseTailMessage('camwatch', 'camwatch/box1/status', json({ state: 'online' }))).toMatchObject({ kind: 'agent', agentId: 'box1' });
  });

  it('ignores other topics and cleared retained messages; flags garbage', () => {
    expect(parseTailMessage('camwatch', 'other/box1/status', json({}))).toBeUndefined();
    expect(parseTailMessage('camwatch', 'camwatch/box1/cmd/ack', json({}))).toBeUndefined();
    expect(parseTailMessage('camwatch', 'camwatch/box1/cameras/gate/state', Buffer.alloc(0))).toBeUndefined();
    expect(parseTailMessage('camwatch', 'camwatch/box1/status', Buffer.from('oops'))).toEqual({ kind: 'invalid', topic: 'camwatch/box1/status', reason: 'not JSON (4 bytes)' });
    expect(parseTailMessage('camwatch', 'camwatch/box1/status', json([1]))).toMatchObject({ kind: 'invalid', reason: 'not a JSON object' });
  });

  it('a payload nested thousands of levels deep is flagged, not printed (--json re-serialised it: a stack overflow stopped tail)', () => {
    const deep = Buffer.from(`{"id":"x","a":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
    const msg = parseTailMessage('camwatch', 'camwatch/box1/incidents/security/zone_intrusion', deep);
    expect(msg).toEqual({ kind: 'invalid', topic: 'camwatch/box1/incidents/security/zone_intrusion', reason: 'nested deeper than 32 levels' });
    // What the check stands in front of: the same body, parsed, cannot be printed with --json.
    const parsed = { kind: 'incident', agentId: 'box1', payload: JSON.parse(deep.toString()) as Record<string, unknown> } as TailMessage;
    expect(() => jsonLine('t', false, parsed)).toThrow(RangeError);
  });
});

describe('tail: lines', () => {
  const incident: TailMessage = {
    kind: 'incident',
    agentId: 'box1',
    payload: {
      id: '01HX0000000000000000000000', cameraId: 'gate', type: 'wrong_way', status: 'update', className: 'motorcycle', score: 0.8123,
      title: { vi: 'Đi ngược chiều', en: 'Wrong way' }, startedAt: '2024-05-01T08:00:00Z', updatedAt: '2024-05-01T08:00:10Z',
      snapshot: { contentType: 'image/jpeg', bytes: 3, data: 'AAAA' },
    },
  };

  it('incident: time, camera, type, status, titles, class score, id; replays and other agents marked', () => {
    process.env.TZ = 'UTC';
    expect(formatTailLine(incident, opts)).toBe('2024-05-01 08:00:10  gate  wrong_way  update  Đi ngược chiều / Wrong way  motorcycle 0.81  01HX0000000000000000000000');
    const replay = { ...incident, payload: { ...incident.payload, historical: true } };
    expect(formatTailLine(replay, { ...opts, showAgent: true })).toMatch(/^2024-05-01 08:00:10 {2}box1\/gate .* \(replay\)$/);
  });

  it('camera state and agent status lines; retained ones marked "last known"', () => {
    const cam: TailMessage = { kind: 'camera', agentId: 'b', cameraId: 'gate', payload: { state: 'stalled', lastError: 'no frame for 10 s', reconnects: 2, at: '2024-05-01T09:00:00Z' } };
    expect(formatTailLine(cam, { ...opts, retained: true })).toBe('2024-05-01 09:00:00  gate  camera stalled: no frame for 10 s (reconnects 2)  (last known)');
    const agent: TailMessage = { kind: 'agent', agentId: 'b', payload: { state: 'offline', reason: 'connection-lost' } };
    expect(formatTailLine(agent, opts)).toBe('2024-05-01 10:00:00  agent b offline (connection-lost)');
  });

  it('text from the network cannot drive the terminal', () => {
    const evil = { ...incident, payload: { ...incident.payload, title: { vi: '\u001b[2J', en: 'x' } } };
    expect(formatTailLine(evil, opts)).not.toContain('\u001b');
  });

  it('a time is local to the box and a missing one is "now"', () => {
    process.env.TZ = 'UTC';
    expect(formatTime(undefined, NOW)).toBe('2024-05-01 10:00:00');
    expect(formatTime('garbage', NOW)).toBe('2024-05-01 10:00:00');
  });

  it('--json leaves the snapshot bytes out', () => {
    const line = JSON.parse(jsonLine('t', false, incident)) as { payload: { snapshot: unknown } };
    expect(line.payload.snapshot).toEqual({ contentType: 'image/jpeg', bytes: 3 });
  });

  it('filters by camera and type; agent lines always pass, camera states ignore --type', () => {
    const cam: TailMessage = { kind: 'camera', agentId: 'b', cameraId: 'gate', payload: {} };
    const agent: TailMessage = { kind: 'agent', agentId: 'b', payload: {} };
    expect(matchesFilter(incident, { cameraId: 'gate', type: 'wrong_way' })).toBe(true);
    expect(matchesFilter(incident, { cameraId: 'other' })).toBe(false);
    expect(matchesFilter(incident, { type: 'crowd' })).toBe(false);
    expect(matchesFilter(cam, { type: 'crowd' })).toBe(true);
    expect(matchesFilter(cam, { cameraId: 'other' })).toBe(false);
    expect(matchesFilter(agent, { cameraId: 'other', type: 'crowd' })).toBe(true);
  });
});
