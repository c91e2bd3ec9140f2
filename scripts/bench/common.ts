import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfigText, type LoadedConfig } from '../../agent/config/load.js';
import type { RgbImage } from '../../agent/detection/types.js';

/** Repo root, and the real data (models, videos) the benchmark reads: CAMWATCH_DATA_DIR or ../shared/data. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATA_DIR = resolve(process.env.CAMWATCH_DATA_DIR ?? join(ROOT, '..', 'shared', 'data'));

export function dataFile(...parts: string[]): string {
  const p = join(DATA_DIR, ...parts);
  if (!existsSync(p)) throw new Error(`benchmark data missing: ${p} (set CAMWATCH_DATA_DIR to the folder holding models/ and video/)`);
  return p;
}

/** Progress goes to stderr so stdout stays one JSON document. */
export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Decodes up to `count` frames of a video to RGB24 at `width` px (height keeps the aspect, even): the first
 * `count` frames, or with `everySeconds` one frame per that many seconds of video (the fps filter).
 */
export async function decodeFrames(video: string, width: number, count: number, everySeconds?: number): Promise<RgbImage[]> {
  const probe = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', video]);
  const [w, h] = probe.toString().trim().split(',').map(Number) as [number, number];
  const height = Math.round((h * width) / w / 2) * 2;
  const filter = `${everySeconds === undefined ? '' : `fps=1/${everySeconds},`}scale=${width}:${height}`;
  const raw = await run('ffmpeg', ['-v', 'error', '-i', video, '-frames:v', String(count), '-vf', filter, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1']);
  const size = width * height * 3;
  const frames: RgbImage[] = [];
  for (let off = 0; off + size <= raw.length; off += size) frames.push({ width, height, data: raw.subarray(off, off + size) });
  return frames;
}

/** Duration of a media file in seconds (ffprobe's format duration). */
export async function videoDurationSeconds(video: string): Promise<number> {
  return Number((await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', video])).toString().trim());
}

function run(cmd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(Buffer.concat(out)) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-300)}`))));
  });
}

/** The benchmark's config: real models from the data dir, the embedded broker on a free port, no health server. */
export function benchConfigText(yamlCameras: string, dataDir: string, detection = ''): string {
  return `
agent: { id: bench, dataDir: ${dataDir}, logLevel: warn }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(ROOT, 'models', 'manifest.json')} }
detection: { model: yolox_nano_416${detection ? `, ${detection}` : ''} }
mqtt: { embeddedPort: 0 }
health: { enabled: false }
cameras:
${yamlCameras}`;
}

/** benchConfigText, parsed for an agent in this process. */
export function benchConfig(yamlCameras: string, dataDir: string): LoadedConfig {
  return parseConfigText(benchConfigText(yamlCameras, dataDir), 'bench.yaml', { baseDir: ROOT });
}

const CLOCK_TICKS_PER_S = 100;
const PAGE_BYTES = 4096;

interface ProcSample {
  cpuTicks: number;
  rssBytes: number;
  pssBytes: number;
}

/**
 * Proportional set size: shared pages (ffmpeg's ~35 MB of libraries) divided among the processes that
 * map them. Summing RSS over N decoders counts those libraries N times; summing PSS does not.
 */
function pss(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').split('\n').find((l) => l.startsWith('Pss:'));
    return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

function procStat(pid: number): { ppid: number; ticks: number; rssBytes: number; pssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), rssBytes: Number(f[21]) * PAGE_BYTES, pssBytes: pss(pid) };
  } catch {
    return undefined;
  }
}

/** CPU ticks and memory of a process (this one by default) and, separately, of its direct children (the ffmpeg decoders). */
export function sampleProcesses(root = process.pid): { self: ProcSample; children: ProcSample & { count: number } } {
  const self = procStat(root) ?? { ticks: 0, rssBytes: 0, pssBytes: 0 };
  const children = { cpuTicks: 0, rssBytes: 0, pssBytes: 0, count: 0 };
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === root) continue;
    const s = procStat(pid);
    if (s?.ppid === root) {
      children.cpuTicks += s.ticks;
      children.rssBytes += s.rssBytes;
      children.pssBytes += s.pssBytes;
      children.count++;
    }
  }
  return { self: { cpuTicks: self.ticks, rssBytes: self.rssBytes, pssBytes: self.pssBytes }, children };
}

/** Busy CPU ticks of the whole machine (every process: user, nice, system, irq, softirq, steal), from /proc/stat. */
export function machineBusyTicks(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU use between two samples as a percentage of ONE core (200 % = both cores of a 2-core box busy). */
export function cpuPercent(ticksBefore: number, ticksAfter: number, seconds: number): number {
  return Math.round(((ticksAfter - ticksBefore) / CLOCK_TICKS_PER_S / seconds) * 1000) / 10;
}

export const MB = 1024 * 1024;
