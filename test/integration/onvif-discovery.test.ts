import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { discoverOnvif } from '../../agent/cameras/onvif/discovery.js';
import { discoverCommand } from '../../agent/cli/commands/discover.js';
import { createLogger } from '../../agent/core/logger.js';
import { startDiscoveryResponder, type DiscoveryResponder } from '../helpers/onvif-emulator.js';

const cameraA = {
  urn: 'urn:uuid:4e2f0000-0000-1000-8000-aaaaaaaaaaaa',
  scopes: [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/name/North%20Gate',
    'onvif://www.onvif.org/hardware/AV-2040-IR',
    'onvif://www.onvif.org/location/city/nairobi',
  ],
  xaddrs: ['http://127.0.0.1:8080/onvif/device_service'],
};
const cameraB = { urn: 'urn:uuid:4e2f0000-0000-1000-8000-bbbbbbbbbbbb', scopes: [], xaddrs: ['http://127.0.0.1:8081/onvif/device_service'] };

let responders: DiscoveryResponder[] = [];
afterEach(async () => {
  await Promise.all(responders.map((r) => r.close()));
  responders = [];
});

async function responder(options: Parameters<typeof startDiscoveryResponder>[0]): Promise<DiscoveryResponder> {
  const r = await startDiscoveryResponder(options);
  responders.push(r);
  return r;
}

describe('WS-Discovery', () => {
  it('finds devices by unicast probe, with decoded scopes', async () => {
    const r = await responder({ devices: [cameraA, cameraB] });
    const devices = await discoverOnvif({ unicast: [`127.0.0.1:${r.port}`], interfaceAddress: '127.0.0.1', timeoutMs: 400 });
    expect(devices).toEqual([
      { address: '127.0.0.1', urn: cameraA.urn, scopes: { name: 'North Gate', hardware: 'AV-2040-IR', location: 'city/nairobi', raw: cameraA.scopes }, xaddrs: cameraA.xaddrs },
      { address: '127.0.0.1', urn: cameraB.urn, scopes: { raw: [] }, xaddrs: cameraB.xaddrs },
    ]);
    // UDP is lossy: the probe is sent twice; the answers to both are merged.
    expect(r.probes.length).toBe(2);
    expect(r.probes.every((p) => p.via === 'unicast')).toBe(true);
  });

  it('ignores malformed datagrams and replies to other probes, and still finds the device', async () => {
    const r = await responder({
      devices: [cameraA],
      before: ['<not xml', '\u0000\u0001garbage', '<!DOCTYPE x [<!ENTITY a "b">]><Envelope>&a;</Envelope>', '<Envelope><Body><ProbeMatches/></Body></Envelope>'],
    });
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
    const devices = await discoverOnvif({ unicast: [`127.0.0.1:${r.port}`], timeoutMs: 400, logger });
    expect(devices.map((d) => d.urn)).toEqual([cameraA.urn]);
    // 4 bad datagrams per probe, 2 probes: each one logged at debug and skipped.
    const ignored = lines.map((l) => JSON.parse(l) as { msg: string; reason?: string }).filter((l) => l.msg === 'ignored WS-Discovery datagram');
    expect(ignored).toHaveLength(8);
    expect(ignored.some((l) => /DOCTYPE/.test(l.reason ?? ''))).toBe(true);
  });

  it('drops answers whose RelatesTo names another probe', async () => {
    const r = await responder({ devices: [cameraA], relatesTo: 'urn:uuid:somebody-elses-probe' });
    expect(await discoverOnvif({ unicast: [`127.0.0.1:${r.port}`], timeoutMs: 300 })).toEqual([]);
    expect(r.probes.length).toBeGreaterThan(0);
  });

  it('probes the multicast group on the chosen interface (group joined on loopback)', async () => {
    const r = await responder({ devices: [cameraA], multicast: true });
    const devices = await discoverOnvif({ interfaceAddress: '127.0.0.1', port: r.multicastPort, timeoutMs: 400 });
    expect(devices.map((d) => d.urn)).toEqual([cameraA.urn]);
    expect(r.probes.length).toBeGreaterThan(0);
    expect(r.probes.every((p) => p.via === 'multicast')).toBe(true);
  });

  it('refuses an interface address this machine does not have', async () => {
    await expect(discoverOnvif({ interfaceAddress: '203.0.113.250', timeoutMs: 100 })).rejects.toMatchObject({ code: 'ONVIF_UNREACHABLE' });
  });

  it('`camwatch discover --unicast --json` prints the devices; the table shows name, hardware and xaddr', async () => {
    const r = await responder({ devices: [cameraA] });
    const run = async (args: string[]) => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      let err = '';
      stdout.on('data', (c) => (out += c));
      stderr.on('data', (c) => (err += c));
      const code = await discoverCommand.run(args, { stdout, stderr, env: {}, cwd: process.cwd() });
      return { code, out, err };
    };
    const json = await run(['--unicast', `127.0.0.1:${r.port}`, '--timeout', '300ms', '--interface', '127.0.0.1', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject([{ address: '127.0.0.1', urn: cameraA.urn, scopes: { name: 'North Gate' } }]);

    const table = await run(['--unicast', `127.0.0.1:${r.port}`, '--timeout', '300ms']);
    expect(table.code).toBe(0);
    const [header, row] = table.out.trim().split('\n');
    expect(header).toMatch(/^ADDRESS\s+NAME\s+HARDWARE\s+LOCATION\s+XADDR$/);
    expect(row).toMatch(/^127\.0\.0\.1\s+North Gate\s+AV-2040-IR\s+city\/nairobi\s+http:\/\/127\.0\.0\.1:8080\/onvif\/device_service$/);

    const none = await run(['--unicast', '127.0.0.1:9', '--timeout', '200ms']);
    expect(none.code).toBe(0);
    expect(none.out).toBe('');
    expect(none.err).toMatch(/No ONVIF device answered/);

    const bad = await run(['--unicast', '10.0.0.0/8']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/SOURCE_INVALID/);
  });
});
