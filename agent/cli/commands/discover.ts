import { parseArgs } from 'node:util';
import { discoverOnvif, DEFAULT_DISCOVERY_TIMEOUT_MS, expandUnicastTargets, type DiscoveredDevice } from '../../cameras/index.js';
import { CamwatchError, describeError, formatTable as formatRows } from '../../core/index.js';
import type { CliCommand } from '../types.js';
import { commandUsage } from '../usage.js';

const usage = `Usage: camwatch discover [--timeout 3s] [--interface ADDR] [--unicast HOSTS|CIDR] [--json]

Finds ONVIF cameras with a WS-Discovery Probe: multicast on the local network, or one probe per host
where multicast is blocked (routed camera VLANs, cellular links).

Options:
  -t, --timeout DURATION   how long to wait for answers: 3s, 1500ms, 2 (seconds) (default: ${DEFAULT_DISCOVERY_TIMEOUT_MS / 1000}s)
  -i, --interface ADDR     local IPv4 address or interface name to probe from (default: every external interface)
  -u, --unicast LIST       probe these hosts directly: host1,host2[:port],10.0.0.0/24 (at most 1024 hosts)
      --json               print JSON instead of a table
  -h, --help               this text

Next: camwatch camera add <address> --user admin --password-file FILE`;

/** `camwatch discover`: find ONVIF cameras. */
export const discoverCommand: CliCommand = {
  name: 'discover',
  usage,
  async run(argv, io) {
    // A bad option throws: main answers it as a usage error.
    const { values } = parseArgs({
      args: argv,
      options: {
        timeout: { type: 'string', short: 't' },
        interface: { type: 'string', short: 'i' },
        unicast: { type: 'string', short: 'u', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    const use = commandUsage('discover', usage, io);
    if (values.help) return use.help();
    try {
      const timeoutMs = values.timeout === undefined ? DEFAULT_DISCOVERY_TIMEOUT_MS : parseDurationMs(values.timeout);
      const unicast = values.unicast === undefined ? [] : expandUnicastTargets(values.unicast);
      const devices = await discoverOnvif({
        timeoutMs,
        ...(values.interface === undefined ? {} : { interfaceAddress: values.interface }),
        ...(unicast.length === 0 ? {} : { unicast }),
      });
      if (values.json) {
        io.stdout.write(`${JSON.stringify(devices, null, 2)}\n`);
      } else if (devices.length === 0) {
        io.stderr.write(
          `No ONVIF device answered within ${timeoutMs} ms.\n` +
            (unicast.length === 0
              ? '  → Multicast may be blocked between here and the cameras: try --unicast 192.168.1.0/24, or --interface.\n'
              : '  → Check that the hosts are up and that ONVIF discovery is enabled on them.\n'),
        );
      } else {
        io.stdout.write(formatTable(devices));
      }
      return 0;
    } catch (err) {
      io.stderr.write(`camwatch discover: ${describeError(err)}\n`);
      return err instanceof CamwatchError && err.code === 'SOURCE_INVALID' ? 2 : 1;
    }
  },
};

/** "3s", "1500ms", "2" (seconds), "0.5s", "1m" → milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim());
  const value = m ? Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[(m[2] ?? 's') as 'ms' | 's' | 'm'] : NaN;
  if (!Number.isFinite(value) || value <= 0 || value > 600_000) {
    throw new CamwatchError('SOURCE_INVALID', `--timeout "${text}" is not a duration`, {
      hint: 'Write it as 3s, 1500ms or 2 (seconds); at most 10 minutes.',
    });
  }
  return Math.round(value);
}

/** Fixed-width columns; a missing field prints as "-". */
export function formatTable(devices: DiscoveredDevice[]): string {
  return formatRows(
    ['ADDRESS', 'NAME', 'HARDWARE', 'LOCATION', 'XADDR'],
    devices.map((d) => [d.address, d.scopes.name ?? '-', d.scopes.hardware ?? '-', d.scopes.location ?? '-', d.xaddrs[0] ?? '-']),
  );
}
