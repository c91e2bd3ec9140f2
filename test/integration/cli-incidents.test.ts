import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agent/core/logger.js';
import { openStore } from '../../agent/store/sqlite-store.js';
import type { IncidentStore } from '../../agent/store/types.js';
import { createMqttUplink } from '../../agent/uplink/mqtt-uplink.js';
import { incidentFilter } from '../../agent/uplink/topics.js';
import { PROJECT_ROOT } from '../helpers/data.js';
import { assertNoMosquittoLeaks, startMosquitto } from '../helpers/mosquitto.js';
import { fakeJpeg, makeEvent, makeRecord, mqttConfig, subscribe, waitFor } from '../fixtures/outbox-data.js';

const logger = createLogger({ level: 'silent' });
const BIN = join(PROJECT_ROOT, 'bin', 'camwatch.js');
const DAY_MS = 86_400_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `camwatch` binary in `cwd`. */
function camwatch(cwd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CAMWATCH_LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('camwatch incidents (spawned) against a store written by the store API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-cli-inc-'));
  const better = fakeJpeg(42, 3_000);
  const a = makeRecord('cli', 1); // cam-street, zone_intrusion
  const b = makeRecord('cli', 2); // cam-gate, zone_intrusion
  const old = makeRecord('cli', 3); // cam-street, line_crossing, stored two days ago
  let store: IncidentStore;

  beforeAll(() => {
    writeFileSync(join(dir, 'camwatch.yaml'), 'agent:\n  id: edge-cli\n  dataDir: ./var\ncameras: []\n');
    mkdirSync(join(dir, 'var'));
    let clock = Date.now() - 2 * DAY_MS;
    // The store stays open (as in a running agent) while the CLI reads it.
    store = openStore({ path: join(dir, 'var', 'camwatch.db'), logger, now: () => clock });
    store.markSent(store.save(old).seq);
    clock = Date.now();
    store.markSent(store.save(a).seq);
    store.markSent(store.save(makeEvent(a, 'update', 2, { jpeg: better })).seq);
    store.save(makeEvent(a, 'end', 3)); // still queued
    store.markSent(store.save(b).seq);
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('list: a table of the latest state, newest first, with what is still queued', async () => {
    const r = await camwatch(dir, ['incidents', 'list', '--config', 'camwatch.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+CAMERA\s+TYPE\s+STATUS\s+CLASS\s+SCORE\s+SENT\s+ID$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).at(-1))).toEqual(['cli-000002', 'cli-000001', 'cli-000003']);
    expect(lines[2]).toMatch(/cam-street\s+zone_intrusion\s+end\s+person\s+0\.53\s+no \(1 queued\)\s+cli-000001$/);
    expect(lines[1]).toMatch(/\byes\b/);
  });

  it('list filters: --camera, --type, --since, --limit, as JSON', async () => {
    const [camera, type, since, limit] = await Promise.all([
      camwatch(dir, ['incidents', 'list', '--config', 'camwatch.yaml', '--camera', 'cam-gate', '--json']),
      camwatch(dir, ['incidents', 'list', '--config', 'camwatch.yaml', '--type', 'line_crossing', '--json']),
      camwatch(dir, ['incidents', 'list', '--config', 'camwatch.yaml', '--since', '1h', '--json']),
      camwatch(dir, ['incidents', 'list', '--config', 'camwatch.yaml', '--limit', '1', '--json']),
    ]);
    const ids = (r: Run) => (JSON.parse(r.stdout) as Array<{ id: string }>).map((x) => x.id);
    expect(ids(camera)).toEqual(['cli-000002']);
    expect(ids(type)).toEqual(['cli-000003']);
    expect(ids(since)).toEqual(['cli-000002', 'cli-000001']);
    expect(ids(limit)).toEqual(['cli-000002']);
    expect(JSON.parse(camera.stdout)[0]).toMatchObject({ status: 'new', sent: true, events: 1, unsent: 0 });
  });

  it('show: every event with its delivery, and --snapshot writes the latest JPEG', async () => {
    const r = await camwatch(dir, ['incidents', 'show', 'cli-000001', '--config', 'camwatch.yaml', '--snapshot', 'out.jpg', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { status: string; history: Array<{ status: string; sequence: number; sentAtMs?: number }> };
    expect(json.status).toBe('end');
    expect(json.history.map((h) => [h.status, h.sequence, h.sentAtMs !== undefined])).toEqual([
      ['new', 1, true],
      ['update', 2, true],
      ['end', 3, false],
    ]);
    expect(readFileSync(join(dir, 'out.jpg')).equals(better)).toBe(true);
    const text = await camwatch(dir, ['incidents', 'show', 'cli-000001', '--config', 'camwatch.yaml']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/events:\n\s+#\d+ new\s+seq 1 .*sent/);
    expect(text.stdout).toMatch(/end\s+seq 3 .*queued/);
  });

  it('exit codes: unknown incident 1, missing config 1, bad usage 2', async () => {
    const [unknown, noConfig, badSince, noSub, resendBoth] = await Promise.all([
      camwatch(dir, ['incidents', 'show', 'nope', '--config', 'camwatch.yaml']),
      camwatch(dir, ['incidents', 'list', '--config', 'missing.yaml']),
      camwatch(dir, ['incidents', 'list', '--config', 'camwatch.yaml', '--since', 'yesterday']),
      camwatch(dir, ['incidents']),
      camwatch(dir, ['incidents', 'resend', '--config', 'camwatch.yaml']),
    ]);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('no incident "nope"') });
    expect(noConfig).toMatchObject({ code: 1, stderr: expect.stringContaining('missing.yaml') });
    expect(badSince).toMatchObject({ code: 2, stderr: expect.stringContaining('--since') });
    expect(noSub.code).toBe(2);
    expect(resendBoth).toMatchObject({ code: 2, stderr: expect.stringContaining('either --since TIME or incident ids') });
  });

  it('resend ID re-queues its sent events (not the queued one); an unknown id queues nothing and exits 1', async () => {
    const before = store.pendingCount();
    const unknown = await camwatch(dir, ['incidents', 'resend', 'cli-000001', 'nope', '--config', 'camwatch.yaml']);
    expect(unknown.code).toBe(1);
    expect(store.pendingCount()).toBe(before);
    const r = await camwatch(dir, ['incidents', 'resend', 'cli-000001', '--config', 'camwatch.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/queued 2 event\(s\) of 1 incident\(s\).*no reload needed/);
    const pending = store.pending(10).filter((p) => p.incidentId === 'cli-000001');
    expect(pending.map((p) => [p.status, p.resendOf !== undefined])).toEqual([
      ['end', false],
      ['new', true],
      ['update', true],
    ]);
  });
});

describe('camwatch incidents resend with a running uplink', () => {
  it('the connected uplink publishes the re-queued events without a notify or reload, marked historical', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-cli-resend-'));
    writeFileSync(join(dir, 'camwatch.yaml'), 'agent:\n  id: edge-cli\n  dataDir: ./var\ncameras: []\n');
    mkdirSync(join(dir, 'var'));
    const store = openStore({ path: join(dir, 'var', 'camwatch.db'), logger });
    const broker = await startMosquitto();
    const sub = await subscribe(broker.url, incidentFilter('camwatch'));
    const uplink = createMqttUplink({ config: mqttConfig(broker.url), agentId: 'edge-cli', store, logger, outboxPollMs: 100 });
    try {
      await uplink.start();
      await waitFor('connected', () => uplink.stats().connected); // saved before it: a replay
      const rec = makeRecord('rs', 1, { agentId: 'edge-cli' });
      store.save(rec);
      uplink.notify();
      await waitFor('live event', () => sub.ids().length === 1 && store.pendingCount() === 0);
      expect(sub.messages[0]!.json).not.toHaveProperty('historical');

      const r = await camwatch(dir, ['incidents', 'resend', '--since', '1h', '--config', 'camwatch.yaml']);
      expect(r.code).toBe(0);
      await waitFor('resent event', () => sub.ids().length === 2);
      expect(sub.messages[1]!.json).toMatchObject({ id: rec.incident.id, status: 'new', sequence: 1, historical: true });
      await waitFor('marked sent', () => store.pendingCount() === 0);
    } finally {
      await uplink.stop();
      await sub.close();
      await broker.dispose();
      store.close();
      rmSync(dir, { recursive: true, force: true });
      await assertNoMosquittoLeaks();
    }
  });
});
