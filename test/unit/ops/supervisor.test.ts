import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../agent/core/index.js';
import type { Component } from '../../../agent/ops/component.js';
import { Supervisor } from '../../../agent/ops/supervisor.js';

/** A component that records its calls in `events`; `fail` / `hang` make it misbehave. */
function part(name: string, events: string[], opts: { dependsOn?: string[]; failStart?: boolean; failStop?: boolean; hangStop?: boolean; stopDeadlineMs?: number } = {}): Component {
  let stopped = false;
  return {
    name,
    ...(opts.dependsOn && { dependsOn: opts.dependsOn }),
    ...(opts.stopDeadlineMs !== undefined && { stopDeadlineMs: opts.stopDeadlineMs }),
    async start(signal) {
      events.push(`start ${name}${signal.aborted ? ' (aborted)' : ''}`);
      if (opts.failStart) throw new Error(`${name} cannot start`);
    },
    stop() {
      if (stopped) return; // idempotent
      stopped = true;
      events.push(`stop ${name}`);
      if (opts.failStop) throw new Error(`${name} cannot stop`);
      if (opts.hangStop) return new Promise<void>(() => undefined);
    },
  };
}

/** A logger whose lines are kept as parsed objects. */
function capture(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return { logger, lines };
}

describe('Supervisor', () => {
  it('starts in dependency order and stops in reverse, once', async () => {
    const events: string[] = [];
    const { logger } = capture();
    const sup = new Supervisor([part('cameras', events, { dependsOn: ['store'] }), part('store', events)], logger);
    await sup.start();
    const [first, second] = await Promise.all([sup.stop(), sup.stop()]);
    expect(events).toEqual(['start store', 'start cameras', 'stop cameras', 'stop store']);
    expect(first).toBe(second);
    expect(first.map((o) => [o.name, o.result])).toEqual([['cameras', 'stopped'], ['store', 'stopped']]);
  });

  it('a component that fails or hangs on stop is logged by name; the others are still stopped', async () => {
    const events: string[] = [];
    const { logger, lines } = capture();
    const sup = new Supervisor([
      part('store', events),
      part('uplink', events, { failStop: true }),
      part('detector', events, { hangStop: true, stopDeadlineMs: 50 }),
      part('cameras', events),
    ], logger);
    await sup.start();
    const outcomes = await sup.stop();
    expect(events.filter((e) => e.startsWith('stop'))).toEqual(['stop cameras', 'stop detector', 'stop uplink', 'stop store']);
    expect(outcomes.map((o) => [o.name, o.result])).toEqual([['cameras', 'stopped'], ['detector', 'timeout'], ['uplink', 'failed'], ['store', 'stopped']]);
    expect(lines.find((l) => l.componentName === 'detector')?.msg).toBe('detector did not stop within 50 ms; stopping the others');
    expect(lines.find((l) => l.componentName === 'uplink')?.msg).toBe('uplink failed to stop; stopping the others');
  });

  it('a failed start rejects, starts nothing after it, and stop() undoes what began (the failed one too)', async () => {
    const events: string[] = [];
    const { logger, lines } = capture();
    const sup = new Supervisor([part('store', events), part('detector', events, { failStart: true }), part('cameras', events)], logger);
    await expect(sup.start()).rejects.toThrow('detector cannot start');
    expect(lines.some((l) => l.componentName === 'detector' && l.msg === 'detector failed to start')).toBe(true);
    await sup.stop();
    expect(events).toEqual(['start store', 'start detector', 'stop detector', 'stop store']);
  });

  it('a stop during start lets the component in progress finish, starts no more, then stops in reverse', async () => {
    const events: string[] = [];
    const { logger } = capture();
    let release!: () => void;
    const slow: Component = {
      name: 'detector',
      start: () => new Promise<void>((r) => { events.push('start detector'); release = r; }),
      stop: () => { events.push('stop detector'); },
    };
    const sup = new Supervisor([part('store', events), slow, part('cameras', events)], logger);
    const started = sup.start();
    await new Promise((r) => setImmediate(r));
    const stopped = sup.stop();
    expect(sup.signal.aborted).toBe(true);
    release();
    await started;
    await stopped;
    expect(events).toEqual(['start store', 'start detector', 'stop detector', 'stop store']);
  });

  it('restart stops the named components in reverse and starts them in order; the rest keep running', async () => {
    const events: string[] = [];
    const { logger } = capture();
    const parts = ['store', 'uplink', 'detector', 'cameras'].map((n) => {
      let stops = 0;
      return { name: n, start: () => { events.push(`start ${n}`); }, stop: () => { events.push(`stop ${n} #${++stops}`); } } satisfies Component;
    });
    const sup = new Supervisor(parts, logger);
    await sup.start();
    events.length = 0;
    await sup.restart(['detector', 'uplink']);
    expect(events).toEqual(['stop detector #1', 'stop uplink #1', 'start uplink', 'start detector']);
    events.length = 0;
    await sup.stop();
    expect(events).toEqual(['stop cameras #1', 'stop detector #2', 'stop uplink #2', 'stop store #1']);
  });
});
