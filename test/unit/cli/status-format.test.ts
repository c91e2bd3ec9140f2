import { describe, expect, it } from 'vitest';
import { formatStatus, formatUptime } from '../../../agent/cli/commands/status.js';
import type { AgentStatus } from '../../../agent/ops/status-report.js';

describe('status report', () => {
  it('formats uptime from seconds to days', () => {
    expect(formatUptime(42)).toBe('42s');
    expect(formatUptime(61)).toBe('1m 01s');
    expect(formatUptime(7_325)).toBe('2h 02m');
    expect(formatUptime(90_061)).toBe('1d 01h');
    expect(formatUptime(undefined)).toBe('?');
  });

  it('says when the broker is away and why, and when no camera runs', () => {
    const status = {
      agentId: 'edge', version: '0.1.0', uptimeS: 5, model: 'm',
      uplink: { connected: false, published: 0, pending: 42, lastError: 'MQTT_UNREACHABLE: connection refused' },
      detector: { busyFraction: 0.97, queued: 3 },
      cameras: [],
    } as unknown as AgentStatus;
    const text = formatStatus(status, { ready: false, failing: ['uplink (broker not connected)'] });
    expect(text).toContain('ready    no: uplink (broker not connected)\n');
    expect(text).toContain('broker   NOT connected (MQTT_UNREACHABLE: connection refused); 0 published since start, 42 waiting to be sent\n');
    expect(text).toContain('detector busy 97% of the time, 3 waiting: at capacity, fewer cameras or a lower analysis.fps\n');
    expect(text).toContain('no cameras running');
    // A pool of detector workers says how many run; one worker (or an agent before the pool) says nothing more.
    expect(formatStatus({ ...status, detector: { busyFraction: 0.5, queued: 0, workers: 2 } } as AgentStatus)).toContain('detector busy 50% of the time (2 workers), 0 waiting\n');
    expect(formatStatus({ ...status, detector: { busyFraction: 0.5, queued: 0, workers: 1 } } as AgentStatus)).toContain('detector busy 50% of the time, 0 waiting\n');
    expect(formatStatus({ ...status, eventLoop: { p99Ms: 42.5, maxMs: 180 } } as AgentStatus)).toContain('main thread late by 42.5 ms at p99 (max 180 ms) over the last 10 s\n');
    expect(text).not.toContain('main thread late');
  });

  it('prints "-" for fields an older agent does not send', () => {
    const status = { agentId: 'old', uptimeS: 1, cameras: [{ id: 'a', state: 'online' }] } as unknown as AgentStatus;
    const text = formatStatus(status);
    expect(text).toMatch(/^agent {4}old \(camwatch \?\), up 1s$/m);
    expect(text).toMatch(/^a\s+online\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+-$/m);
    expect(text).not.toContain('detector busy');
  });
});
