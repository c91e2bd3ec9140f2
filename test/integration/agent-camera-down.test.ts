/**
 * A real RTSP camera (GStreamer serving a real clip, with digest auth) under a running agent: the camera
 * loses power (server SIGKILLed). The IOC must see the retained camera state go down, a `camera_down`
 * incident, and — once the camera is back — the state online again and the incident ended, with no
 * technician involved and the camera password in no log line or payload.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startAgent } from '../helpers/agent-process.js';
import { useRtspCameraBox } from '../helpers/rtsp-camera-box.js';

const CAMERA_PASSWORD = 'cam-Pa55-down';

describe('a camera that drops and comes back', () => {
  const box = useRtspCameraBox('down-box', CAMERA_PASSWORD);

  it('publishes down → camera_down incident → online → incident end, by itself', async () => {
    const { ioc, rtsp } = box;
    const path = box.writeConfig(`    analysis: { fps: 2, width: 320, stallSeconds: 3 }
    rules:
      - { id: signal-lost, type: camera_down, minSeconds: 2 }
`);
    const agent = startAgent(['run', '--config', path]);
    onTestFinished(async () => { await agent.kill(); });
    const stateTopic = 'camwatch/down-box/cameras/street-01/state';
    const states = () => ioc.messages.filter((m) => m.topic === stateTopic).map((m) => JSON.parse(m.payload.toString()) as { state: string; lastError?: string });
    const downIncidents = () =>
      ioc.messages
        .filter((m) => m.topic === 'camwatch/down-box/incidents/health/camera_down')
        .map((m) => JSON.parse(m.payload.toString()) as { id: string; status: string; title: { vi: string } });

    await ioc.waitFor(() => states().some((s) => s.state === 'online'), 30_000, 'camera online');

    await rtsp.kill();
    await ioc.waitFor(() => states().some((s) => s.state === 'down' || s.state === 'stalled'), 30_000, 'camera state down/stalled');
    await ioc.waitFor(() => downIncidents().some((i) => i.status === 'new'), 30_000, 'camera_down incident');
    expect(downIncidents()[0]!.title.vi).toBe('Mất tín hiệu camera');

    await rtsp.restart();
    const onlineBefore = states().filter((s) => s.state === 'online').length;
    await ioc.waitFor(() => states().filter((s) => s.state === 'online').length > onlineBefore, 60_000, 'camera online again');
    await ioc.waitFor(() => downIncidents().some((i) => i.status === 'end'), 30_000, 'camera_down incident ended');
    // One outage, one incident — unless the restarted test server refused a connect under CI load and the
    // camera dropped again; then each episode is its own incident. Either way, every one that opened ended.
    await ioc.waitFor(
      () => {
        const events = downIncidents();
        const opened = new Set(events.filter((i) => i.status === 'new').map((i) => i.id));
        const ended = new Set(events.filter((i) => i.status === 'end').map((i) => i.id));
        return [...opened].every((id) => ended.has(id));
      },
      30_000,
      'every camera_down incident ended',
    );

    expect(await agent.stop()).toBe(0);
    const everything = [...agent.lines, ...ioc.messages.map((m) => m.payload.toString())].join('\n');
    expect(everything).not.toContain(CAMERA_PASSWORD);
  }, 150_000);
});
