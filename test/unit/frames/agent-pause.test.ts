import { describe, expect, it } from 'vitest';
import { agentPauseMs, DEFAULT_AGENT_PAUSE_THRESHOLD_MS } from '../../../agent/frames/agent-pause.js';

describe('agentPauseMs', () => {
  it('sees no pause in a timer that is on time or only as late as event-loop lag', () => {
    expect(agentPauseMs(10_000, 10_000)).toBe(0);
    expect(agentPauseMs(10_000, 10_350)).toBe(0);
    expect(agentPauseMs(10_000, 10_000 + DEFAULT_AGENT_PAUSE_THRESHOLD_MS)).toBe(0);
  });

  it('reports the lateness of a timer that fired long after it was due (the process was stopped)', () => {
    expect(agentPauseMs(10_000, 30_000)).toBe(20_000);
    expect(agentPauseMs(10_000, 10_600, 500)).toBe(600);
  });
});
