/**
 * Flood control and the evidence budget (issue 12 §3) in a running agent, as the IOC sees them: `camwatch run`
 * on the looped Saigon clip (real model, real mosquitto), a zone_intrusion rule over the busy lower half with
 * no cooldown (dozens of motorbikes a minute) and `flood: { maxNewPerMinute: 2, evidenceBytesPerHour: 150 kB }`:
 * - per wall-clock minute at most 2 `new` of the rule reach the IOC, and once the minute is over one
 *   `summary` says how many were folded, with their ids; nothing of a folded incident is published;
 * - pictures stop once the camera's budget for the hour is spent: later events carry none and say why.
 * rules-level unit tests: test/unit/incidents/flood-control.test.ts (camera health never folded, the hour rolls).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startAgent } from '../helpers/agent-process.js';
import { agentConfigHeader, useBrokerBox } from '../helpers/broker-box.js';
import { videoPath } from '../helpers/data.js';
import { schemaErrors, validateIncidentEvent } from '../fixtures/outbox-schemas.js';

interface Event {
  id: string;
  status: 'new' | 'update' | 'end' | 'summary';
  ruleId: string;
  startedAt: string;
  folded?: { count: number; ids: string[]; windowStart: string; windowEnd: string; maxNewPerMinute: number };
  snapshot?: { bytes: number; data?: string; omitted?: string };
}

/** About two pictures with their clean copies (~33 kB each at 1018x720). */
const BUDGET_BYTES = 150_000;

describe('flood control in a running agent', () => {
  const box = useBrokerBox('flood', 'camwatch/flood-box/incidents/#');

  it('at most N new a minute per rule, the rest in one summary with their ids; pictures within the hourly budget', async () => {
    const { dir, broker, ioc } = box;
    const path = join(dir, 'camwatch.yaml');
    writeFileSync(path, `
${agentConfigHeader({ agentId: 'flood-box', dataDir: join(dir, 'var'), brokerUrl: broker.url })}
flood: { maxNewPerMinute: 2, evidenceBytesPerHour: ${BUDGET_BYTES} }
cameras:
  - id: saigon
    source: { file: ${videoPath('vn_saigon_intersection.mp4')} }
    analysis: { fps: 4, width: 480 }
    zones:
      - { id: road, points: [[0, 0.35], [1, 0.35], [1, 1], [0, 1]] }
    rules:
      - { id: walkers, type: zone_intrusion, zone: road, classes: [motorcycle, person], minSeconds: 1, cooldownSeconds: 0 }
`);
    // When each event reached the IOC: flood windows are wall-clock minutes of the agent's admission, a few ms before.
    const arrivedAtMs: number[] = [];
    ioc.client.on('message', () => arrivedAtMs.push(Date.now()));
    const agent = startAgent(['run', '--config', path]);
    onTestFinished(async () => { await agent.kill(); });
    const events = () => ioc.messages.map((m) => JSON.parse(m.payload.toString()) as Event);
    // The first summary closes a minute in which more than 2 incidents opened; it is published when that minute ends.
    await ioc.waitFor(() => events().some((e) => e.status === 'summary'), 100_000, 'a flood-control summary');
    // ... and a later event of an incident whose first picture the budget took (it has no picture to repeat).
    const repeatsATakenPicture = () => {
      const taken = new Set(events().filter((e) => e.status === 'new' && e.snapshot?.omitted !== undefined).map((e) => e.id));
      return events().some((e) => e.status !== 'new' && taken.has(e.id));
    };
    await ioc.waitFor(repeatsATakenPicture, 90_000, 'an update or end of an incident sent without a picture');

    // A reload that removes the rule: its open incidents end `rule_removed`; the folded ones, which the IOC
    // never saw open, stay unseen (no update or end of them either).
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n {6}- \{ id: walkers.*\n/, '\n      - { id: other, type: zone_intrusion, zone: road, classes: [bus], minSeconds: 5 }\n'));
    agent.child.kill('SIGHUP');
    await agent.waitForLog((e) => e.msg === 'config reloaded', 30_000);
    const opened = () => new Set(events().filter((e) => e.status === 'new').map((e) => e.id));
    const ended = () => new Set(events().filter((e) => e.status === 'end').map((e) => e.id));
    await ioc.waitFor(() => [...opened()].every((id) => ended().has(id)), 30_000, 'every new has its end after the reload');
    // A sentinel: the stop's offline status follows every event queued before it (one outbox, in order).
    expect(await agent.stop()).toBe(0);

    const all = events();
    const summary = all.find((e) => e.status === 'summary')!;
    const folded = summary.folded!;
    expect(summary.ruleId).toBe('walkers');
    expect(folded.maxNewPerMinute).toBe(2);
    expect(folded.count).toBeGreaterThan(0);
    expect(folded.ids).toHaveLength(Math.min(folded.count, 100));
    const windowStart = Date.parse(folded.windowStart);
    expect(Date.parse(folded.windowEnd) - windowStart).toBe(60_000);
    // `new` per minute as they arrived (1 s of slack for delivery at the minute's edges): at most the cap in
    // every minute, and the cap itself in the summary's minute (it was reached, or nothing would be folded).
    const newsArrived = all.map((e, i) => ({ e, at: arrivedAtMs[i]! })).filter(({ e }) => e.status === 'new').map(({ at }) => at);
    const newsIn = (fromMs: number, toMs: number) => newsArrived.filter((t) => t >= fromMs && t < toMs).length;
    for (const t of newsArrived) {
      const minute = Math.floor(t / 60_000) * 60_000;
      expect(newsIn(minute + 1_000, minute + 60_000), `new in the minute from ${new Date(minute).toISOString()}`).toBeLessThanOrEqual(2);
    }
    expect(newsIn(windowStart, windowStart + 61_000)).toBeGreaterThanOrEqual(2);
    // Nothing of a folded incident was published, before or after the reload: every event is of an incident
    // whose `new` went out.
    const foldedIds = new Set(folded.ids);
    expect(all.filter((e) => e.status !== 'summary' && foldedIds.has(e.id))).toEqual([]);
    const published = new Set(all.filter((e) => e.status === 'new').map((e) => e.id));
    expect(all.filter((e) => e.status !== 'summary' && !published.has(e.id)).map((e) => `${e.id} ${e.status}`)).toEqual([]);

    // The evidence budget: pictures until the hour's 150 kB are spent, then events without one, saying why,
    // also an update or end that would repeat a picture the budget took (the store quota pruned nothing).
    // (Summed over `new` events: an inline update repeats its incident's last picture.)
    const withPicture = all.filter((e) => e.status === 'new' && (e.snapshot?.bytes ?? 0) > 0);
    const withoutPicture = all.filter((e) => e.status !== 'summary' && e.snapshot?.omitted !== undefined);
    expect(withPicture.length).toBeGreaterThan(0);
    expect(withPicture.reduce((n, e) => n + e.snapshot!.bytes, 0)).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(withoutPicture.length).toBeGreaterThan(0);
    for (const e of withoutPicture) expect(e.snapshot!.omitted, `${e.id} ${e.status}`).toMatch(/evidence budget/);
    for (const m of ioc.messages) expect(schemaErrors(validateIncidentEvent, JSON.parse(m.payload.toString()))).toBe('');
  }, 150_000);
});
