import { spawnSync } from 'node:child_process';

/**
 * Reading `strace -f` logs: which addresses a process tree tried to reach and which files it tried to
 * create. Attempts count, not only successes: a DNS query that times out still told the network
 * which host the box wanted.
 */

export const STRACE_BIN = process.env.STRACE_BIN ?? 'strace';

/** The wrapper for startAgent: every thread and child, filtered in the kernel (--seccomp-bpf) so it costs little. */
export function straceWrap(logFile: string): string[] {
  return [STRACE_BIN, '-f', '--seccomp-bpf', '-qq', '-o', logFile, '-e', 'trace=network,openat,mkdir,mkdirat', '--'];
}

/** True when strace runs here (CI containers may forbid ptrace). */
export function straceWorks(): boolean {
  const r = spawnSync(STRACE_BIN, ['-f', '--seccomp-bpf', '-qq', '-o', '/dev/null', '-e', 'trace=openat', '--', 'true']);
  return r.status === 0;
}

/** One address a traced process connected or sent to. */
export interface NetworkContact {
  syscall: string;
  family: string;
  /** IP address, or the path of a unix socket. */
  address: string;
  port?: number;
  line: string;
}

/** connect/sendto/sendmsg calls that name a destination. */
export function networkContacts(log: string): NetworkContact[] {
  const out: NetworkContact[] = [];
  for (const line of log.split('\n')) {
    const call = /\b(connect|sendto|sendmsg|sendmmsg)\(/.exec(line);
    if (!call) continue;
    const family = /sa_family=(AF_[A-Z0-9]+)/.exec(line)?.[1];
    if (family === undefined) continue;
    const port = /sin6?_port=htons\((\d+)\)/.exec(line)?.[1];
    const address = /inet_addr\("([^"]+)"\)/.exec(line)?.[1] ?? /inet_pton\(AF_INET6, "([^"]+)"/.exec(line)?.[1] ?? /sun_path="([^"]*)"/.exec(line)?.[1] ?? '?';
    out.push({ syscall: call[1]!, family, address, ...(port === undefined ? {} : { port: Number(port) }), line });
  }
  return out;
}

/** Loopback or a unix socket that is not a name-service lookup (nscd answers getaddrinfo). */
export function isLocalContact(c: NetworkContact): boolean {
  if (c.family === 'AF_UNIX') return !c.address.includes('nscd');
  if (c.family === 'AF_INET') return c.address.startsWith('127.');
  if (c.family === 'AF_INET6') return c.address === '::1' || c.address.startsWith('::ffff:127.');
  return false; // AF_NETLINK and the like never carry a destination we configured
}

/** Paths the process tree tried to create or open for writing (openat with O_CREAT/O_WRONLY/O_RDWR, mkdir). */
export function writtenPaths(log: string): string[] {
  const out: string[] = [];
  for (const line of log.split('\n')) {
    const open = /\bopenat\([^,]+, "([^"]+)", ([A-Z_|]+)/.exec(line);
    if (open && /O_CREAT|O_WRONLY|O_RDWR/.test(open[2]!)) out.push(open[1]!);
    const dir = /\bmkdir(?:at)?\((?:[^,]+, )?"([^"]+)"/.exec(line);
    if (dir) out.push(dir[1]!);
  }
  return out;
}
