import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Who may do what on the embedded broker (pure decisions; embedded-broker.ts applies them in aedes's
 * hooks). Two principals:
 * - `agent`: the agent's own uplink, the only one that writes the box's tree (incidents, status, cameras,
 *   stats, counts, evidence) and command responses;
 * - `operator`: a local operator or the IOC's client: reads everything under the topic prefix, publishes
 *   commands only (`<prefix>/<agentId>/cmd/…`), never retained.
 * Anonymous clients and wrong passwords are refused at CONNECT.
 */

/** The principal a connection logged in as. */
export type BrokerRole = 'agent' | 'operator';

/** A user name and password one principal logs in with. */
export interface BrokerLogin {
  username: string;
  password: string;
}

/** The logins the broker accepts, one per principal. */
export type BrokerLogins = Record<BrokerRole, BrokerLogin>;

/** What the ACL needs from the config; swapped on reload (topic prefix or client id may change). */
export interface BrokerAccessPolicy {
  topicPrefix: string;
  agentId: string;
  /** The client id the agent's uplink connects with (mqtt.clientId): reserved for the agent principal. */
  agentClientId: string;
}

/** MQTT 3.1.1 CONNACK return codes the broker refuses with (§3.2.2.3). */
export const CONNACK_IDENTIFIER_REJECTED = 2;
export const CONNACK_BAD_USERNAME_OR_PASSWORD = 4;
export const CONNACK_NOT_AUTHORIZED = 5;

/** Why a CONNECT is refused: the CONNACK code sent back and a reason for the log. */
export interface ConnectRefusal {
  returnCode: typeof CONNACK_IDENTIFIER_REJECTED | typeof CONNACK_BAD_USERNAME_OR_PASSWORD | typeof CONNACK_NOT_AUTHORIZED;
  reason: string;
}

/** Compares digests, not the values: constant time whatever the lengths, so timing tells nothing of a password. */
function sameSecret(given: Buffer, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The principal whose user name and password these are, or a refusal (anonymous, unknown user, wrong password). */
export function loginRole(logins: BrokerLogins, username: string | undefined, password: Buffer | undefined): BrokerRole | ConnectRefusal {
  if (username === undefined || username === '' || password === undefined) {
    return { returnCode: CONNACK_NOT_AUTHORIZED, reason: 'no user name or password (anonymous clients are refused)' };
  }
  for (const role of ['agent', 'operator'] as const) {
    const login = logins[role];
    // Both compared for every role, so the answer time does not say which user names exist.
    const userOk = sameSecret(Buffer.from(username, 'utf8'), login.username);
    const passwordOk = sameSecret(password, login.password);
    if (userOk && passwordOk) return role;
  }
  return { returnCode: CONNACK_BAD_USERNAME_OR_PASSWORD, reason: 'wrong user name or password' };
}

/**
 * Whether `role` may take `clientId` (pure). MQTT lets a new connection with an existing client id take
 * over the session and disconnect the first (§3.1.4-2): here that is refused, so no client can knock the
 * agent, or another operator, off the broker; and the agent's id is the agent's alone, even while it is
 * disconnected.
 */
export function clientIdRefusal(role: BrokerRole, clientId: string, policy: BrokerAccessPolicy, alreadyConnected: boolean): ConnectRefusal | undefined {
  if (role !== 'agent' && clientId === policy.agentClientId) {
    return { returnCode: CONNACK_IDENTIFIER_REJECTED, reason: `client id "${clientId}" is reserved for the agent` };
  }
  if (alreadyConnected) {
    return { returnCode: CONNACK_IDENTIFIER_REJECTED, reason: `client id "${clientId}" is already connected (takeover refused)` };
  }
  return undefined;
}

function base(prefix: string): string {
  return prefix.replace(/\/+$/, '');
}

/** The topic level under which operators may publish: `<prefix>/<agentId>/cmd/`. */
export function commandTreeOf(policy: BrokerAccessPolicy): string {
  return `${base(policy.topicPrefix)}/${policy.agentId}/cmd/`;
}

/** Why `role` may not publish on `topic` (retained or not), or undefined when it may (pure). */
export function publishRefusal(role: BrokerRole, topic: string, retain: boolean, policy: BrokerAccessPolicy): string | undefined {
  // $-topics are the broker's own ($SYS), MQTT 3.1.1 §4.7.2.
  if (topic.startsWith('$')) return `${topic} is reserved for the broker`;
  if (role === 'agent') return undefined;
  const commands = commandTreeOf(policy);
  if (!topic.startsWith(commands) || topic.length === commands.length) {
    return `operators may publish commands only (${commands}<name>), not on ${topic}`;
  }
  // A retained command would run again at every agent (re)connection.
  if (retain) return `retained messages are refused (${topic})`;
  return undefined;
}

/** Whether `role` may subscribe to `filter` (pure): operators read everything under the topic prefix, nothing else. */
export function subscribeAllowed(role: BrokerRole, filter: string, policy: BrokerAccessPolicy): boolean {
  if (role === 'agent') return true;
  return filter.startsWith(`${base(policy.topicPrefix)}/`);
}
