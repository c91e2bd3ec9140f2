import { isIPv4 } from 'node:net';
import { CamwatchError } from '../../core/index.js';

/**
 * Expands `--unicast host1,host2,10.0.0.0/28` into the list of hosts to probe one by one, for networks
 * where multicast is blocked (routed camera VLANs, most cellular links).
 */

/** A /22 is the largest camera subnet we have seen; anything wider is a typo (a /8 is 16 M probes). */
export const DEFAULT_MAX_UNICAST_TARGETS = 1024;

/**
 * Hosts (IPv4, `[IPv6]`, names, each optionally `:port`) in the order given, duplicates removed, CIDR
 * blocks expanded.
 */
export function expandUnicastTargets(spec: string | string[], maxTargets = DEFAULT_MAX_UNICAST_TARGETS): string[] {
  const parts = (Array.isArray(spec) ? spec : [spec])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const out = new Set<string>();
  for (const part of parts) {
    const hosts = part.includes('/') ? expandCidr(part) : [part];
    for (const host of hosts) {
      out.add(host);
      if (out.size > maxTargets) {
        throw new CamwatchError('SOURCE_INVALID', `--unicast expands to more than ${maxTargets} hosts`, {
          details: { spec: part },
          hint: `Probe a smaller block (at most /22), or list the camera addresses.`,
        });
      }
    }
  }
  return [...out];
}

/** `192.168.1.0/30` → the usable host addresses (network and broadcast left out below /31). */
export function expandCidr(cidr: string): string[] {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (base === undefined || !isIPv4(base) || !Number.isInteger(bits) || bits < 0 || bits > 32 || bitsText === '') {
    throw new CamwatchError('SOURCE_INVALID', `"${cidr}" is not an IPv4 CIDR block`, {
      hint: 'Write a block as a.b.c.d/nn, e.g. 192.168.1.0/24.',
    });
  }
  const size = 2 ** (32 - bits);
  if (size > DEFAULT_MAX_UNICAST_TARGETS + 2) {
    throw new CamwatchError('SOURCE_INVALID', `${cidr} holds ${size} addresses, more than ${DEFAULT_MAX_UNICAST_TARGETS}`, {
      hint: 'Probe a smaller block (at most /22), or list the camera addresses.',
    });
  }
  const network = (ipToInt(base) & (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0)) >>> 0;
  const first = size > 2 ? network + 1 : network;
  const last = size > 2 ? network + size - 2 : network + size - 1;
  const out: string[] = [];
  for (let n = first; n <= last; n++) out.push(intToIp(n));
  return out;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => ((acc << 8) | Number(octet)) >>> 0, 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 0xff).join('.');
}

/** `10.0.0.5` → {host, port: defaultPort}; `10.0.0.5:3703`, `[fe80::1]:3703`, bare IPv6 `fe80::1` handled. */
export function splitHostPort(target: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  if (bracketed) return { host: bracketed[1] as string, port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  const hostPort = /^([^:]+):(\d+)$/.exec(target);
  if (hostPort) return { host: hostPort[1] as string, port: Number(hostPort[2]) };
  return { host: target, port: defaultPort };
}
