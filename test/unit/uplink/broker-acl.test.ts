import { describe, expect, it } from 'vitest';
import { clientIdRefusal, loginRole, publishRefusal, subscribeAllowed, type BrokerAccessPolicy } from '../../../agent/uplink/broker-acl.js';

const policy: BrokerAccessPolicy = { topicPrefix: 'city/hcm/', agentId: 'edge-7', agentClientId: 'camwatch-edge-7' };
const logins = { agent: { username: 'camwatch-agent', password: 'agent-secret-0123456789' }, operator: { username: 'operator', password: 'operator-secret-0123456' } };

describe('embedded broker ACL', () => {
  it('knows each principal by user and password; anonymous, unknown users and wrong passwords are refused', () => {
    expect(loginRole(logins, 'camwatch-agent', Buffer.from(logins.agent.password))).toBe('agent');
    expect(loginRole(logins, 'operator', Buffer.from(logins.operator.password))).toBe('operator');
    expect(loginRole(logins, undefined, undefined)).toMatchObject({ returnCode: 5 });
    expect(loginRole(logins, 'operator', undefined)).toMatchObject({ returnCode: 5 });
    expect(loginRole(logins, 'operator', Buffer.from(logins.agent.password))).toMatchObject({ returnCode: 4 });
    expect(loginRole(logins, 'camwatch-agent', Buffer.from(logins.operator.password))).toMatchObject({ returnCode: 4 });
    expect(loginRole(logins, 'root', Buffer.from(logins.operator.password))).toMatchObject({ returnCode: 4 });
  });

  it('refuses a takeover of a connected id, and the agent\'s id to anyone but the agent', () => {
    expect(clientIdRefusal('operator', 'camwatch-edge-7', policy, false)).toMatchObject({ returnCode: 2 });
    expect(clientIdRefusal('agent', 'camwatch-edge-7', policy, false)).toBeUndefined();
    expect(clientIdRefusal('agent', 'camwatch-edge-7', policy, true)).toMatchObject({ returnCode: 2 });
    expect(clientIdRefusal('operator', 'dashboard', policy, true)).toMatchObject({ returnCode: 2 });
    expect(clientIdRefusal('operator', 'dashboard', policy, false)).toBeUndefined();
  });

  it('operators publish non-retained commands of this box only; the agent anything but $-topics', () => {
    expect(publishRefusal('operator', 'city/hcm/edge-7/cmd/ack', false, policy)).toBeUndefined();
    for (const topic of ['city/hcm/edge-7/incidents/security/zone_intrusion', 'city/hcm/edge-7/status', 'city/hcm/edge-7/cmd/', 'city/hcm/edge-8/cmd/ack', 'city/hcm/edge-7/cmdx/ack', 'other', '$SYS/x']) {
      expect(publishRefusal('operator', topic, false, policy), topic).toBeDefined();
    }
    expect(publishRefusal('operator', 'city/hcm/edge-7/cmd/ack', true, policy)).toMatch(/retained/);
    expect(publishRefusal('agent', 'city/hcm/edge-7/status', true, policy)).toBeUndefined();
    expect(publishRefusal('agent', 'city/hcm/replies/x', false, policy)).toBeUndefined();
    expect(publishRefusal('agent', '$SYS/broker/heartbeat', false, policy)).toBeDefined();
  });

  it('operators subscribe under the topic prefix only', () => {
    expect(subscribeAllowed('operator', 'city/hcm/#', policy)).toBe(true);
    expect(subscribeAllowed('operator', 'city/hcm/+/incidents/#', policy)).toBe(true);
    for (const filter of ['#', '+/hcm/#', 'city/#', '$SYS/#', 'city/hcm']) expect(subscribeAllowed('operator', filter, policy), filter).toBe(false);
    expect(subscribeAllowed('agent', '#', policy)).toBe(true);
  });
});
