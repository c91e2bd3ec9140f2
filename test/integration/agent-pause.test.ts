/**
 * A stopped-then-resumed agent (SIGSTOP longer than the stall timeout, then SIGCONT) used to report its
 * camera `stalled`: the watchdog timer fired late, right on resume, before the frames waiting in ffmpeg's
 * pipe were read, and blamed the camera for time the agent itself was not running. Real agent process,
 * real RTSP camera (digest auth), real mosquitto; a real stall is still reported (frames-outage tests).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startAgent } from '../helpers/agent-process.js';
import { useRtspCameraBox } from '../helpers/rtsp-camera-box.js';

const CAMERA_PASSWORD = 'cam-Pa55-pause';
/** Long enough for the first RTSP connect on a loaded box (~2.5 s here), which the watchdog also times. */
const STALL_SECONDS = 4;
/** Longer than the stall timeout plus the 2 s pause threshold: the watchdog falls due while the agent is stopped. */
const PAUSE_MS = 7_000;

describe('an agent stopped and resumed', () => {
  const box = useRtspCameraBox('pause-box', CAMERA_PASSWORD);

  it('does not report its camera stalled for the time it was itself stopped', async () => {
    const { ioc } = box;
    const path = box.writeConfig(`    analysis: { fps: 2, width: 320, stallSeconds: ${STALL_SECONDS} }
`);
    const agent = startAgent(['run', '--config', path]);
    try {
      const listening = await agent.waitForLog((e) => e.msg === 'health and metrics server listening', 30_000);
      const statusUrl = `${String(listening.url).replace(/\/$/, '')}/status`;
      const framesDecoded = async (): Promise<number> => {
        const status = (await (await fetch(statusUrl)).json()) as { cameras: Array<{ id: string; framesDecoded: number }> };
        return status.cameras.find((c) => c.id === 'street-01')?.framesDecoded ?? 0;
      };
      const stateLines = () =>
        agent.lines
          .map((l) => {
            try {
              return JSON.parse(l) as { msg?: string; state?: string; lastError?: string };
            } catch {
              return {};
            }
          })
          .filter((e) => e.msg === 'camera source state');
      const stateTopic = 'camwatch/pause-box/cameras/street-01/state';
      const published = () => ioc.messages.filter((m) => m.topic === stateTopic).map((m) => (JSON.parse(m.payload.toString()) as { state: string }).state);

      await agent.waitForLog((e) => e.msg === 'camera source state' && e.state === 'online', 30_000);
      await ioc.waitFor(() => published().includes('online'), 15_000, 'online published');
      const linesBefore = stateLines().length;
      const publishedBefore = published().length;
      const framesBefore = await framesDecoded();

      agent.child.kill('SIGSTOP');
      // The pause itself is the experiment: the agent cannot be waited on while it is stopped.
      await sleep(PAUSE_MS);
      agent.child.kill('SIGCONT');

      // The camera keeps delivering after the resume, for longer than a stall timeout...
      const resumedAt = Date.now();
      await expect.poll(framesDecoded, { timeout: 10_000, interval: 200 }).toBeGreaterThan(framesBefore + 2);
      const afterResume = await framesDecoded();
      const settleMs = STALL_SECONDS * 1000 + 1_000 - (Date.now() - resumedAt);
      if (settleMs > 0) await sleep(settleMs);
      await expect.poll(framesDecoded, { timeout: 5_000, interval: 200 }).toBeGreaterThan(afterResume);

      // ...and was never reported stalled or down, in the log or to the IOC.
      const after = stateLines().slice(linesBefore);
      expect(after.filter((e) => e.state !== 'online'), JSON.stringify(after)).toEqual([]);
      expect(published().slice(publishedBefore).filter((s) => s !== 'online')).toEqual([]);
      // The pause is named in the log, so a technician sees why nothing was reported.
      expect(agent.lines.some((l) => l.includes('agent was paused; not counted against the camera'))).toBe(true);
      expect(await agent.stop()).toBe(0);
      expect(agent.lines.join('\n')).not.toContain(CAMERA_PASSWORD);
    } finally {
      agent.child.kill('SIGCONT');
      await agent.kill();
    }
  }, 90_000);
});
