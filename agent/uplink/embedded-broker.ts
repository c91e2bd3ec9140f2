import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { AuthenticateError, Client } from 'aedes';
import type { Logger } from '../core/index.js';
import {
  CONNACK_NOT_AUTHORIZED,
  clientIdRefusal,
  loginRole,
  publishRefusal,
  subscribeAllowed,
  type BrokerAccessPolicy,
  type BrokerLogin,
  type BrokerRole,
  type ConnectRefusal,
} from './broker-acl.js';
import { AGENT_USERNAME, generatePassword } from './broker-credentials.js';
import { MqttFrameScanner } from './mqtt-frame-scanner.js';

/**
 * Largest packet a client other than the agent may send (bytes). A command is a small JSON object (a
 * `resend` of 5,000 ids is ~150 kB); 256 KiB leaves room for that and bounds what one connection can
 * make the broker buffer (mqtt-packet keeps a whole packet in memory before parsing it).
 */
export const DEFAULT_EMBEDDED_MAX_PACKET_BYTES = 256 * 1024;
/**
 * Until a connection has logged in, its packets are capped at this (bytes): a CONNECT carries a client
 * id, a user, a password and a will, well under 16 KiB; anonymous connections cannot make the broker
 * hold more (4,000 of them: 64 MiB at most).
 */
export const EMBEDDED_CONNECT_MAX_BYTES = 16 * 1024;
/** At most one warning per this interval for refused logins, packets and publishes; the rest are counted (ms). */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  /** The local operator's login (from the credentials file, broker-credentials.ts). */
  operator: BrokerLogin;
  /** Topic prefix, agent id and the agent's client id the ACL is built on. */
  policy: BrokerAccessPolicy;
  /** Largest packet accepted from a client other than the agent (bytes); DEFAULT_EMBEDDED_MAX_PACKET_BYTES. */
  maxPacketBytes?: number;
}

export interface EmbeddedBroker {
  /** mqtt://host:port for local clients (a wildcard listen address becomes 127.0.0.1). No credentials in it. */
  url: string;
  port: number;
  /** The login the agent's own uplink uses: a random password drawn at start, held only in memory. */
  agentLogin: BrokerLogin;
  /** Replaces the ACL's topic prefix / agent client id and the packet cap (a reload changed them). */
  setPolicy(policy: BrokerAccessPolicy, maxPacketBytes?: number): void;
  close(): Promise<void>;
}

/** What the broker knows of one TCP connection, from before CONNECT to its close. */
interface ConnectionState {
  role?: BrokerRole;
  clientId?: string;
}

/**
 * A small in-process MQTT 3.1.1 broker (aedes, memory persistence) for boxes with no broker configured,
 * so a technician's `mosquitto_sub -u operator -P … -t 'camwatch/#'` can watch incidents. Not a substitute
 * for the city broker: nothing it holds survives a restart (the outbox does).
 *
 * Who speaks is checked (broker-acl.ts): a login is required, only the agent writes the box's tree, the
 * operator publishes commands only, no retained messages from clients, no client-id takeover, and a
 * packet-size cap enforced from each packet's first bytes.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const log = options.logger.child({ component: 'embedded-broker' });
  let policy = options.policy;
  let maxPacketBytes = options.maxPacketBytes ?? DEFAULT_EMBEDDED_MAX_PACKET_BYTES;
  const agentLogin: BrokerLogin = { username: AGENT_USERNAME, password: generatePassword() };
  const logins = { agent: agentLogin, operator: options.operator };
  const connections = new WeakMap<object, ConnectionState>();
  /** Client ids of logged-in connections, claimed at authentication (before aedes registers them, so two racing CONNECTs cannot both pass). */
  const claimed = new Map<string, Socket>();
  const refusals = refusalLog(log);

  // Loaded here, not at the top: an agent publishing to the IOC's broker never starts this one.
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const state = connections.get(client.conn);
      const role = loginRole(logins, username, password);
      const refusal = typeof role === 'string' ? clientIdRefusal(role, client.id, policy, claimed.has(client.id)) : role;
      if (refusal !== undefined) {
        refusals.note('login refused', { clientId: client.id, username: username?.slice(0, 64), remoteAddress: remoteAddress(client), reason: refusal.reason });
        done(authError(refusal), false);
        return;
      }
      const socket = client.conn as Socket;
      // Gone while its CONNECT was being checked: its close event may have passed, so a claim would never be released.
      if (socket.destroyed) {
        done(authError({ returnCode: CONNACK_NOT_AUTHORIZED, reason: 'connection closed during login' }), false);
        return;
      }
      claimed.set(client.id, socket);
      socket.once('close', () => {
        if (claimed.get(client.id) === socket) claimed.delete(client.id);
      });
      if (state !== undefined) Object.assign(state, { role, clientId: client.id });
      log.debug({ clientId: client.id, role }, 'client logged in');
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      // client is null only for a will aedes publishes on its own; nothing but the agent can have set one that passed.
      const role = client === null ? 'agent' : connections.get(client.conn)?.role;
      const refusal = role === undefined ? 'not logged in' : publishRefusal(role, packet.topic, packet.retain, policy);
      if (refusal === undefined) {
        done(null);
        return;
      }
      refusals.note('publish refused; client disconnected', { clientId: client?.id, role, topic: packet.topic, reason: refusal });
      // aedes closes the connection on an error here: MQTT 3.1.1 has no negative PUBACK (§3.3.5).
      done(new Error(refusal));
    },
    authorizeSubscribe(client, subscription, done) {
      const role = connections.get(client.conn)?.role;
      if (role !== undefined && subscribeAllowed(role, subscription.topic, policy)) {
        done(null, subscription);
        return;
      }
      refusals.note('subscription refused', { clientId: client.id, role, filter: subscription.topic });
      // null: refused in the SUBACK (0x80), the connection stays.
      done(null, null);
    },
  });
  aedes.on('client', (client) => log.debug({ clientId: client.id }, 'client connected'));
  aedes.on('clientDisconnect', (client) => log.debug({ clientId: client.id }, 'client disconnected'));
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err }, 'client error'));
  aedes.on('connectionError', (_client, err) => log.debug({ err }, 'connection error'));

  const server = createServer((socket) => {
    const state: ConnectionState = {};
    connections.set(socket, state);
    capPacketSize(socket, () => (state.role === 'agent' ? Infinity : state.role === undefined ? Math.min(EMBEDDED_CONNECT_MAX_BYTES, maxPacketBytes) : maxPacketBytes), (problem) => {
      refusals.note('packet refused; connection closed', { clientId: state.clientId, role: state.role, remoteAddress: socket.remoteAddress, ...problem });
    });
    aedes.handle(socket);
  });
  try {
    await listen(server, options.host, options.port);
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url = embeddedBrokerUrl(options.host, port);
  log.info({ host: options.host, port, operator: options.operator.username, maxPacketBytes }, 'embedded MQTT broker listening (login required)');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    agentLogin,
    setPolicy(next, nextMaxPacketBytes) {
      policy = next;
      if (nextMaxPacketBytes !== undefined) maxPacketBytes = nextMaxPacketBytes;
    },
    close() {
      closing ??= (async () => {
        // aedes first: it disconnects its clients, which lets server.close() finish.
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
        refusals.flush();
        log.info({ port }, 'embedded MQTT broker closed');
      })();
      return closing;
    },
  };
}

/** mqtt://host:port where local clients reach a broker listening on `host` ("every interface" is reached on loopback). */
export function embeddedBrokerUrl(host: string, port: number): string {
  const local = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `mqtt://${local.includes(':') ? `[${local}]` : local}:${port}`;
}

function authError(refusal: ConnectRefusal): AuthenticateError {
  return Object.assign(new Error(refusal.reason), { returnCode: refusal.returnCode }) as AuthenticateError;
}

function remoteAddress(client: Client): string | undefined {
  return (client.conn as Partial<Socket>).remoteAddress;
}

/**
 * Closes the socket as soon as a packet header announces more than `limit()` bytes, or is malformed.
 * aedes reads its connection with `socket.read()` and hands each chunk to mqtt-packet, which has no size
 * option and buffers a packet whole: a 100 MB PUBLISH grew the agent to 2.6 GB. So every chunk is
 * scanned as aedes reads it, and one that starts an oversized packet is never handed over: at most one
 * socket read (≤ 64 KiB) is in memory when the connection is cut.
 */
function capPacketSize(socket: Socket, limit: () => number, onRefused: (problem: { packetBytes?: number; maxPacketBytes: number; malformed?: true }) => void): void {
  const scanner = new MqttFrameScanner();
  const read = socket.read.bind(socket);
  socket.read = (size?: number) => {
    const chunk: unknown = read(size);
    if (!Buffer.isBuffer(chunk) || socket.destroyed) return chunk;
    const maxPacketBytes = limit();
    const problem = scanner.scan(chunk, maxPacketBytes);
    if (problem === undefined) return chunk;
    onRefused(problem.kind === 'too_large' ? { packetBytes: problem.packetBytes, maxPacketBytes } : { malformed: true, maxPacketBytes });
    socket.destroy();
    return null;
  };
}

/**
 * Warns about each kind of refusal at most once per REFUSAL_LOG_INTERVAL_MS (the rest at debug, counted in
 * the next warning), so a client hammering the broker cannot flood the log.
 */
function refusalLog(log: Logger): { note(msg: string, fields: Record<string, unknown>): void; flush(): void } {
  const kinds = new Map<string, { lastWarnMs: number; suppressed: number }>();
  return {
    note(msg, fields) {
      const now = Date.now();
      const kind = kinds.get(msg) ?? { lastWarnMs: -Infinity, suppressed: 0 };
      kinds.set(msg, kind);
      if (now - kind.lastWarnMs >= REFUSAL_LOG_INTERVAL_MS) {
        log.warn({ ...fields, ...(kind.suppressed > 0 ? { alsoRefusedSinceLastWarning: kind.suppressed } : {}) }, `embedded broker: ${msg}`);
        kind.lastWarnMs = now;
        kind.suppressed = 0;
      } else {
        kind.suppressed++;
        log.debug(fields, `embedded broker: ${msg}`);
      }
    },
    flush() {
      for (const [msg, kind] of kinds) if (kind.suppressed > 0) log.warn({ refused: kind.suppressed }, `embedded broker: ${msg} (not logged individually)`);
      kinds.clear();
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
