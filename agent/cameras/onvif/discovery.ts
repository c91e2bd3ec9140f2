import dgram from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { isIPv4, isIPv6 } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { CamwatchError, type Logger } from '../../core/index.js';
import { buildProbe, newMessageId, parseProbeMatches } from './probe-message.js';
import { splitHostPort } from './targets.js';
import type { DiscoveredDevice } from './types.js';

/**
 * WS-Discovery Probe over UDP: multicast to 239.255.255.250:3702 on chosen interfaces, and/or unicast
 * to listed hosts where multicast is blocked. Devices answer unicast to the port we sent from.
 * Our own implementation rather than the onvif package's `Discovery`: that one cannot pick the
 * interface by address, cannot probe unicast, and throws on a bad XAddr inside a timer.
 */

export const WS_DISCOVERY_MULTICAST_ADDRESS = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;
/** ONVIF devices must answer within APP_MAX_DELAY (500 ms); 3 s leaves room for slow links and busy cameras. */
export const DEFAULT_DISCOVERY_TIMEOUT_MS = 3000;
/** WS-Discovery's UDP_REPEAT: UDP is lossy, so each probe is sent twice, this far apart. */
export const DEFAULT_PROBE_REPEAT_DELAY_MS = 150;

export interface DiscoveryOptions {
  /** How long to listen for answers after the first probe (ms). */
  timeoutMs?: number;
  /** Local interface to probe from: an IPv4 address of this machine or an interface name (eth0). */
  interfaceAddress?: string;
  /** Hosts (`host` or `host:port`) to probe directly (see expandUnicastTargets). When given, multicast is off unless `multicast: true`. */
  unicast?: string[];
  multicast?: boolean;
  /** Destination port; 3702 on real networks, a test responder's port in tests. */
  port?: number;
  /** Destination group; the standard one on real networks. */
  multicastAddress?: string;
  logger?: Logger;
  signal?: AbortSignal;
}

/** Probes and returns every device that answered, one entry per (urn, address), sorted by address. */
export async function discoverOnvif(options: DiscoveryOptions = {}): Promise<DiscoveredDevice[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS;
  const port = options.port ?? WS_DISCOVERY_PORT;
  const group = options.multicastAddress ?? WS_DISCOVERY_MULTICAST_ADDRESS;
  const unicast = options.unicast ?? [];
  const multicast = options.multicast ?? unicast.length === 0;
  const log = options.logger?.child({ component: 'onvif-discovery' });

  const localAddresses =
    options.interfaceAddress !== undefined ? [resolveInterface(options.interfaceAddress)] : multicast ? externalIPv4() : [];
  // No usable interface (or unicast only): one socket, the OS picks the route.
  const bindAddresses: (string | undefined)[] = localAddresses.length > 0 ? localAddresses : [undefined];

  const messageId = newMessageId();
  const probe = Buffer.from(buildProbe(messageId), 'utf8');
  const found = new Map<string, DiscoveredDevice>();
  const sockets: dgram.Socket[] = [];

  const onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    const parsed = parseProbeMatches(msg.toString('utf8'), messageId);
    if (!parsed.ok) {
      log?.debug({ from: rinfo.address, reason: parsed.reason }, 'ignored WS-Discovery datagram');
      return;
    }
    for (const match of parsed.matches) {
      const key = `${match.urn}|${rinfo.address}`;
      // Cheap cameras ship cloned UUIDs, so the urn alone would merge different devices.
      if (!found.has(key)) found.set(key, { address: rinfo.address, ...match });
    }
  };

  try {
    for (const address of bindAddresses) {
      const socket = await openSocket(address);
      sockets.push(socket);
      socket.on('message', onMessage);
      socket.on('error', (err) => log?.debug({ err }, 'discovery socket error'));
      if (multicast && address !== undefined) socket.setMulticastInterface(address);
    }
    const sendAll = async (): Promise<void> => {
      for (const socket of sockets) {
        if (multicast) await sendQuietly(socket, probe, port, group, log);
        for (const target of unicast) {
          const { host, port: targetPort } = splitHostPort(target, port);
          // An IPv6 target cannot be reached from an udp4 socket; skip it rather than fail the sweep.
          if (isIPv6(host)) log?.debug({ host }, 'IPv6 unicast probe not supported');
          else await sendQuietly(socket, probe, targetPort, host, log);
        }
      }
    };
    const started = Date.now();
    await sendAll();
    await delay(DEFAULT_PROBE_REPEAT_DELAY_MS, undefined, { signal: options.signal }).catch(() => undefined);
    if (!options.signal?.aborted) await sendAll();
    const remaining = timeoutMs - (Date.now() - started);
    if (remaining > 0 && !options.signal?.aborted) {
      await delay(remaining, undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    for (const socket of sockets) socket.close();
  }
  return [...found.values()].sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }) || a.urn.localeCompare(b.urn));
}

function openSocket(address: string | undefined): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4' });
    socket.once('error', (err) => {
      socket.close();
      reject(
        new CamwatchError('ONVIF_UNREACHABLE', `cannot open a discovery socket on ${address ?? 'any address'}: ${err.message}`, {
          cause: err,
          hint: 'Give --interface as an IPv4 address (or interface name) of this machine.',
        }),
      );
    });
    socket.bind({ port: 0, address }, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

async function sendQuietly(socket: dgram.Socket, probe: Buffer, port: number, host: string, log: Logger | undefined): Promise<void> {
  await new Promise<void>((resolve) => {
    socket.send(probe, port, host, (err) => {
      // One unreachable host in a /24 must not end the sweep.
      if (err) log?.debug({ host, err }, 'probe not sent');
      resolve();
    });
  });
}

/** An interface name or an IPv4 address of this machine → that IPv4 address. */
export function resolveInterface(nameOrAddress: string): string {
  const interfaces = networkInterfaces();
  const byName = interfaces[nameOrAddress]?.find((a) => a.family === 'IPv4');
  if (byName) return byName.address;
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  if (isIPv4(nameOrAddress) && all.some((a) => a.address === nameOrAddress)) return nameOrAddress;
  throw new CamwatchError('ONVIF_UNREACHABLE', `"${nameOrAddress}" is not an IPv4 address or interface of this machine`, {
    details: { available: all.filter((a) => a.family === 'IPv4').map((a) => a.address) },
    hint: `Use one of: ${Object.entries(interfaces)
      .flatMap(([name, list]) => (list ?? []).filter((a) => a.family === 'IPv4').map((a) => `${name} (${a.address})`))
      .join(', ')}.`,
  });
}

function externalIPv4(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}
