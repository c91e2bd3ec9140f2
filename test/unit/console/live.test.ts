import { get as httpGet, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../agent/config/load.js';
import { createConsoleApp } from '../../../agent/console/server.js';
import type { ConsolePort, LiveFrame } from '../../../agent/console/port.js';
import { liveEventBody } from '../../../agent/console/live-hub.js';
import { createLogger } from '../../../agent/core/logger.js';
import { imagePath, PROJECT_ROOT } from '../../helpers/data.js';
import { sseReader } from '../../helpers/sse.js';

const logger = createLogger({ level: 'silent' });
const loaded = parseConfigText(
  `cameras:
  - id: cam-a
    source: { file: video.mp4 }
    zones:
      - id: z
        points: [[0.5, 0.5], [1, 0.5], [1, 1]]
    lines:
      - id: l
        units: pixels
        from: [0, 100]
        to: [640, 100]
`,
  'camwatch.yaml',
  { baseDir: PROJECT_ROOT, env: {} },
);

async function frameOf(seq: number): Promise<LiveFrame> {
  const { data, info } = await sharp(imagePath('street_00001.jpg')).resize(160, 90, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { seq, capturedAtMs: 1_700_000_000_000 + seq, width: info.width, height: info.height, data, sourceWidth: 640, sourceHeight: 360, detections: [{ className: 'car', score: 0.8, box: { x1: 1, y1: 2, x2: 30, y2: 40 } }], tracks: [], lineCounts: [] };
}

function stream(url: string): { events: Array<{ seq: number }>; res: Promise<IncomingMessage>; close(): void } {
  const events: Array<{ seq: number }> = [];
  let req: ReturnType<typeof httpGet>;
  const res = new Promise<IncomingMessage>((resolve, reject) => {
    req = httpGet(url, (r) => {
      r.setEncoding('utf8');
      r.on('data', sseReader((e) => events.push(JSON.parse(e.data))));
      resolve(r);
    });
    req.on('error', reject);
  });
  return { events, res, close: () => req.destroy() };
}

const waitFor = async (what: string, cond: () => boolean, timeoutMs = 5_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('live view (SSE)', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('works only while someone watches, counts viewers, honours a lower fps, and closes streams on stop', async () => {
    let reads = 0;
    let seq = 0;
    const frames = new Map<number, LiveFrame>();
    const port = {
      loaded: () => loaded,
      liveFrame: () => {
        reads++;
        return frames.get(seq);
      },
    } as unknown as ConsolePort;
    const { app, hub } = createConsoleApp({ port, settings: { host: '127.0.0.1', maxBodyBytes: 1024, liveFps: 20 }, token: 'x'.repeat(20), storePath: '/nonexistent.db', logger });
    close = () => app.close();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    // A new frame every 10 ms, as a camera would deliver them.
    for (let i = 1; i <= 3; i++) frames.set(i, await frameOf(i));
    const ticker = setInterval(() => {
      seq = seq >= 3 ? 1 : seq + 1;
    }, 10);
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(reads).toBe(0); // nobody watches: not even read

      const fast = stream(`${base}/api/cameras/cam-a/live`);
      const slow = stream(`${base}/api/cameras/cam-a/live?fps=2`);
      await fast.res;
      await slow.res;
      expect(hub.viewers).toBe(2);
      await waitFor('10 events at 20 fps', () => fast.events.length >= 10);
      // 10 events at 20 fps took ≥ 450 ms: the 2 fps viewer got one or two of them.
      expect(slow.events.length).toBeGreaterThanOrEqual(1);
      expect(slow.events.length).toBeLessThanOrEqual(3);
      const seqs = fast.events.map((e) => e.seq);
      expect(seqs.every((s, i) => i === 0 || s !== seqs[i - 1])).toBe(true); // one event per new frame, no repeats

      fast.close();
      slow.close();
      await waitFor('viewers gone', () => hub.viewers === 0);
      const readsAfter = reads;
      await new Promise((r) => setTimeout(r, 300));
      expect(reads).toBe(readsAfter); // stopped with the last viewer

      const last = stream(`${base}/api/cameras/cam-a/live`);
      const res = await last.res;
      const ended = new Promise<void>((resolve) => res.once('end', () => resolve()));
      await app.close();
      close = undefined;
      await ended; // the agent stopping ends the stream instead of hanging the close
      expect(hub.viewers).toBe(0);
    } finally {
      clearInterval(ticker);
    }
  });

  it('event geometry: boxes, zones (normalized) and lines (source pixels) in analysis-frame pixels', async () => {
    const frame = await frameOf(1);
    const body = liveEventBody(frame, loaded.config.cameras[0]);
    expect(body.detections).toEqual([{ class: 'car', score: 0.8, box: [1, 2, 30, 40] }]);
    expect(body.zones).toEqual([{ id: 'z', points: [[80, 45], [160, 45], [160, 90]] }]);
    expect(body.lines).toEqual([{ id: 'l', from: [0, 25], to: [160, 25] }]);
    expect([body.width, body.height]).toEqual([160, 90]);
  });
});
