/**
 * Evidence clips end to end, as the IOC sees them: a real `camwatch` process on a real RTSP camera (the GStreamer
 * test server on real street footage, digest auth), real ffmpeg, the real model, a real mosquitto (persistent,
 * with an IOC on a persistent session), and a real HTTP server in the test standing in for an S3 presigned PUT.
 *
 * One story, in order: an incident starts → the broker goes away → its clip is cut and stored during the outage
 * → the broker returns and the incident's event arrives with the clip → the agent is killed (-9) while the upload
 * endpoint is still down → the endpoint comes up, answers the first upload with a 500 in the middle of its body →
 * the restarted agent uploads every clip (bytes and sha256 match), and the `clip` command returns it in chunks:
 * H.264 MP4 with faststart, covering the incident's start, of the expected length (ffprobe).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startAgent } from '../helpers/agent-process.js';
import { DATA_DIR, PROJECT_ROOT } from '../helpers/data.js';
import { freePort } from '../helpers/mosquitto.js';
import { probeMp4 } from '../helpers/mp4-probe.js';
import { useRtspCameraBox } from '../helpers/rtsp-camera-box.js';

const AGENT = 'clips-box';
const CAMERA_PASSWORD = 'cam-Clip-S3cret';
const SIGNATURE = 'X-Amz-Signature=deadbeefSECRETsig';
const PRE = 3;
const POST = 2;
const MAX = 15;
/** The footage has a keyframe every 2 s and a ring segment closes on the first keyframe after 2 s: ≤ 4 s early or late per end. */
const SEGMENT_SLACK_SECONDS = 4;

interface ClipInfo { contentType: string; durationSeconds: number; bytes: number; sha256: string; from: string; to: string; url?: string }
interface IncidentMsg { id: string; status: string; sequence: number; startedAt: string; endedAt?: string; clip?: ClipInfo }
interface Reply { status: string; data?: { totalBytes: number; sha256: string; offset: number; bytes: number; nextOffset?: number; data: string }; error?: { message: string } }

/** The upload endpoint: down until up(); the first request is answered 500 after part of its body. */
class UploadServer {
  readonly received = new Map<string, { sha256: string; bytes: number }>();
  requests = 0;
  failedMidBody = 0;
  private server: Server | undefined;
  constructor(readonly port: number) {}
  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests++;
      const chunks: Buffer[] = [];
      if (this.requests === 1) {
        // The first upload fails in the middle of its body: a 500 while the client is still sending.
        req.once('data', () => {
          this.failedMidBody++;
          res.writeHead(500, { connection: 'close' }).end('internal error');
        });
        return;
      }
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const key = (req.url ?? '').split('?')[0]!;
        expect(req.method).toBe('PUT');
        expect(req.url).toContain(SIGNATURE);
        this.received.set(key, { sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}

describe('evidence clips from a real camera', () => {
  // Persistent: the story stops and restarts the broker, and the IOC must get what was queued meanwhile.
  const box = useRtspCameraBox(AGENT, CAMERA_PASSWORD, { persistence: true });

  const incidents = (): IncidentMsg[] => box.ioc.messages.filter((m) => m.topic.includes('/incidents/')).map((m) => JSON.parse(m.payload.toString()) as IncidentMsg);
  const withClip = () => incidents().filter((i) => i.clip !== undefined);

  async function ask(body: Record<string, unknown>, transaction: string): Promise<Reply> {
    const topic = `camwatch/${AGENT}/responses/ioc`;
    await box.ioc.client.publishAsync(`camwatch/${AGENT}/cmd/clip`, JSON.stringify({ ...body, transaction, responseTopic: topic }), { qos: 1 });
    let reply: Reply | undefined;
    await box.ioc.waitFor((all) => {
      const m = all.find((x) => x.topic === topic && (JSON.parse(x.payload.toString()) as { transaction?: string }).transaction === transaction);
      if (m) reply = JSON.parse(m.payload.toString()) as Reply;
      return m !== undefined;
    }, 10_000, `clip reply ${transaction}`);
    return reply!;
  }

  it('arrives with a playable clip of the incident through an outage and a restart, uploaded at least once', async () => {
    const upload = new UploadServer(await freePort());
    onTestFinished(() => upload.close());
    writeFileSync(join(box.dir, 'cam.password'), CAMERA_PASSWORD, { mode: 0o600 });
    const config = join(box.dir, 'camwatch.yaml');
    writeFileSync(
      config,
      `
agent: { id: ${AGENT}, dataDir: ${join(box.dir, 'var')} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
mqtt: { url: "${box.broker.url}" }
health: { port: 0, statsIntervalSeconds: 2 }
clips:
  ringDir: ring
  upload: { urlTemplate: "http://127.0.0.1:${upload.port}/up/{agentId}/{cameraId}/{incidentId}.mp4?${SIGNATURE}", timeoutSeconds: 10 }
cameras:
  - id: street-01
    source: { url: "${box.rtsp.url('/sub')}", username: admin, passwordFile: cam.password }
    analysis: { fps: 5, width: 640 }
    clips: { enabled: true, preSeconds: ${PRE}, postSeconds: ${POST}, maxSeconds: ${MAX}, maxBitrateKbps: 2000 }
    zones:
      - id: near-lane
        points: [[0.3203, 0.3977], [0.4375, 0.3977], [0.7031, 0.7386], [1, 0.8523], [1, 1], [0.4688, 1]]
    rules:
      - { id: car-in-lane, type: zone_intrusion, zone: near-lane, classes: [car], minSeconds: 0.5 }
`,
    );
    const agent = startAgent(['run', '--config', config]);
    let again: ReturnType<typeof startAgent> | undefined;
    try {
      // An incident starts once the ring holds a full pre-roll; the broker goes away before its clip exists.
      const recording = await agent.waitForLog((e) => e.msg === 'clip ring recording', 40_000);
      const fullPreRollFromMs = Number(recording.time) + (PRE + SEGMENT_SLACK_SECONDS) * 1000;
      // clips.ringDir (relative to the config file) holds the camera's segments.
      expect(readdirSync(join(box.dir, 'ring', 'street-01')).some((f) => f.endsWith('.ts'))).toBe(true);
      // Issue 16, finding 3: the decoder's and the ring's ffmpeg, as another local user sees them (ps reads
      // the same cmdline): no password, no camera URL; their environment is closed to that user.
      await agent.waitForLog((e) => e.msg === 'camera source state' && e.state === 'online', 20_000);
      const ffmpegs = childPids(agent.child.pid!).filter((pid) => asNobody('cat', `/proc/${pid}/comm`).stdout.trim() === 'ffmpeg');
      expect(ffmpegs.length, 'the decoder and the clip ring').toBeGreaterThanOrEqual(2);
      for (const pid of ffmpegs) {
        const cmdline = asNobody('cat', `/proc/${pid}/cmdline`);
        expect(cmdline.status, cmdline.stderr).toBe(0);
        expect(cmdline.stdout.split('\0')).toContain('pipe:0');
        expect(cmdline.stdout).not.toContain(CAMERA_PASSWORD);
        expect(cmdline.stdout).not.toContain('rtsp://');
        expect(asNobody('cat', `/proc/${pid}/environ`).status).not.toBe(0);
      }
      let chosen: IncidentMsg | undefined;
      await box.ioc.waitFor(() => (chosen = incidents().find((i) => i.status === 'new' && Date.parse(i.startedAt) >= fullPreRollFromMs)) !== undefined, 40_000, 'a new incident after the pre-roll filled');
      await box.broker.stop();
      await agent.waitForLog((e) => e.msg === 'clip cut' && e.incidentId === chosen!.id, 40_000);
      await box.broker.restart();
      await box.ioc.waitFor(() => withClip().some((i) => i.id === chosen!.id), 20_000, 'the incident event with its clip after the outage');
      const announced = withClip().find((i) => i.id === chosen!.id)!;
      const clip = announced.clip!;
      expect(clip.contentType).toBe('video/mp4');
      expect(clip.url).toBe(`http://127.0.0.1:${upload.port}/up/${AGENT}/street-01/${announced.id}.mp4`);

      // Killed while the upload endpoint is down: the clip stays queued in the store.
      await agent.kill();
      const db = new Database(join(box.dir, 'var', 'camwatch.db'), { readonly: true });
      const queued = db.prepare('SELECT count(*) AS n FROM clips WHERE upload_due_at IS NOT NULL').get() as { n: number };
      db.close();
      expect(queued.n).toBeGreaterThan(0);
      expect(upload.requests).toBe(0);

      // The endpoint comes up (first upload: 500 mid-body); the restarted agent uploads every clip announced.
      await upload.up();
      again = startAgent(['run', '--config', config]);
      const uploadedAll = () => withClip().every((i) => upload.received.get(`/up/${AGENT}/street-01/${i.id}.mp4`)?.sha256 === i.clip!.sha256);
      await again!.waitForLog((e) => e.msg === 'clip uploaded', 30_000);
      await box.ioc.waitFor(() => uploadedAll(), 30_000, 'every announced clip uploaded');
      expect(upload.failedMidBody).toBe(1);
      // The periodic stats line shows the ring recording and nothing left to upload.
      const recordingRing = (e: Record<string, unknown>) => (e.rings as Array<{ camera: string; state: string }> | undefined)?.some((r) => r.camera === 'street-01' && r.state === 'recording') === true;
      const stats = await again!.waitForLog((e) => e.msg === 'clip stats' && e.uploadsPending === 0 && recordingRing(e), 15_000);
      expect(stats.clipBytes).toBeGreaterThan(0);
      expect(upload.received.get(`/up/${AGENT}/street-01/${announced.id}.mp4`)?.bytes).toBe(clip.bytes);

      // The clip command returns it in chunks; the bytes are the announced ones and play as the incident's clip.
      await again!.waitForLog((e) => e.msg === 'command handled' || e.msg === 'uplink connected' || e.msg === 'agent started', 20_000);
      const parts: Buffer[] = [];
      let offset: number | undefined = 0;
      for (let n = 0; offset !== undefined; n++) {
        const reply = await ask({ id: announced.id, offset, maxBytes: 64 * 1024 }, `chunk-${n}`);
        expect(reply.status, JSON.stringify(reply.error)).toBe('ok');
        expect(reply.data!.offset).toBe(offset);
        parts.push(Buffer.from(reply.data!.data, 'base64'));
        offset = reply.data!.nextOffset;
      }
      const bytes = Buffer.concat(parts);
      expect(bytes.length).toBe(clip.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(clip.sha256);
      const file = join(box.dir, 'fetched.mp4');
      writeFileSync(file, bytes);
      const facts = probeMp4(file);
      expect(facts.codec).toBe('h264');
      expect(facts.moovAt).toBeLessThan(facts.mdatAt);
      const startMs = Date.parse(announced.startedAt);
      const fromMs = Date.parse(clip.from);
      const toMs = Date.parse(clip.to);
      // It covers the moment the incident started, with the pre-roll before it...
      expect(fromMs).toBeLessThanOrEqual(startMs - PRE * 1000 + 500);
      expect(toMs).toBeGreaterThan(startMs);
      // ...and lasts from preSeconds before the start to postSeconds after the end (or the cap), to a segment.
      const endMs = announced.endedAt === undefined ? undefined : Date.parse(announced.endedAt);
      const expected = Math.min(MAX, PRE + (endMs === undefined ? MAX : (endMs - startMs) / 1000) + POST);
      expect(facts.durationSeconds).toBeGreaterThanOrEqual(expected - 1);
      expect(facts.durationSeconds).toBeLessThanOrEqual(expected + 2 * SEGMENT_SLACK_SECONDS);
      expect(Math.abs(facts.durationSeconds - clip.durationSeconds)).toBeLessThan(1);

      const unknown = await ask({ id: 'no-such-incident' }, 'unknown');
      expect(unknown.status).toBe('error');
      expect(unknown.error?.message).toContain('no clip for incident no-such-incident');

      expect(await again!.stop()).toBe(0);
      const logs = [...agent.lines, ...again.lines].join('\n');
      expect(logs).not.toContain('SECRETsig');
      expect(logs).not.toContain(CAMERA_PASSWORD);
    } finally {
      await agent.kill();
      await again?.kill();
    }
  }, 150_000);
});

/** A command run as user nobody: what any other local account could do (tests run as root). */
function asNobody(...command: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('runuser', ['-u', 'nobody', '--', ...command], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The pids of a process's direct children (every thread's list). */
function childPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}
