#!/usr/bin/env node
// Puts the models and the demo video named in models/manifest.json where the agent reads them
// (models/ and data/video/), never in git. Source, in order: a local mirror directory, then the
// manifest URL. Every file is checked against its sha256; a mismatch is never used.
//
//   node scripts/fetch-assets.mjs [--only NAME[,NAME]] [--quiet]
//   CAMWATCH_MODEL_MIRROR=/path/to/models  CAMWATCH_MEDIA_MIRROR=/path/to/videos  (default: ../shared/data/...)
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '..', 'shared', 'data');
const { values } = parseArgs({ options: { only: { type: 'string' }, quiet: { type: 'boolean', default: false }, box: { type: 'boolean', default: false } } });
const only = values.only ? new Set(values.only.split(',')) : undefined;
const say = (msg) => { if (!values.quiet) process.stderr.write(`fetch-assets: ${msg}\n`); };

const manifest = JSON.parse(await readFile(join(root, 'models', 'manifest.json'), 'utf8'));
const jobs = [
  ...manifest.models.map((m) => ({ ...m, dest: join(root, 'models', m.file), mirror: process.env.CAMWATCH_MODEL_MIRROR ?? join(shared, 'models') })),
  ...manifest.media.map((m) => ({ ...m, dest: join(root, 'data', 'video', m.file), mirror: process.env.CAMWATCH_MEDIA_MIRROR ?? join(shared, 'video') })),
  // Face and plate detectors of the privacy blur (agent/privacy): models like the others, listed apart.
  ...(manifest.privacy ?? []).map((m) => ({ ...m, dest: join(root, 'models', m.file), mirror: process.env.CAMWATCH_MODEL_MIRROR ?? join(shared, 'models') })),
].filter((j) => !only || only.has(j.name));
// --box (install-service.sh): what a deployed box may hold. Assets without a licence (`ship: false`) are for
// tests, evaluation and the demo on a developer's machine only.
const shipped = values.box ? jobs.filter((j) => j.ship !== false) : jobs;
if (values.box) for (const j of jobs) if (j.ship === false) say(`${j.name}: not installed on a box (${j.license ?? 'no licence'})`);

const sha256 = async (path) => createHash('sha256').update(await readFile(path)).digest('hex');

async function fromMirror(job, tmp) {
  const src = join(job.mirror, job.file);
  if (!existsSync(src)) return false;
  await copyFile(src, tmp);
  return `mirror ${job.mirror}`;
}

async function fromUrl(job, tmp) {
  if (!job.url) return false;
  say(`${job.name}: downloading ${job.url}`);
  const res = await fetch(job.url, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${job.url}`);
  await writeFile(tmp, Buffer.from(await res.arrayBuffer()));
  return 'download';
}

let failed = 0;
for (const job of shipped) {
  if (existsSync(job.dest) && (await sha256(job.dest)) === job.sha256) {
    say(`${job.name}: ok (${job.dest.slice(root.length + 1)})`);
    continue;
  }
  await mkdir(dirname(job.dest), { recursive: true });
  const tmp = `${job.dest}.part`;
  let done = false;
  const errors = [];
  for (const source of [fromMirror, fromUrl]) {
    try {
      const how = await source(job, tmp);
      if (!how) continue;
      const got = await sha256(tmp);
      if (got !== job.sha256) { errors.push(`${how}: sha256 ${got} ≠ manifest ${job.sha256}`); continue; }
      await rename(tmp, job.dest);
      say(`${job.name}: fetched from ${how} (${(await stat(job.dest)).size} bytes, sha256 ok)`);
      done = true;
      break;
    } catch (err) {
      errors.push(String(err?.message ?? err));
    }
  }
  await rm(tmp, { force: true });
  if (!done) {
    failed++;
    process.stderr.write(`fetch-assets: ${job.name}: FAILED (${errors.join('; ') || 'no mirror and no url'}).\n` +
      `  → put ${job.file} in a folder and set ${job.dest.includes('/models/') ? 'CAMWATCH_MODEL_MIRROR' : 'CAMWATCH_MEDIA_MIRROR'} to it, or check network access to the URL in models/manifest.json.\n`);
  }
}
process.exit(failed ? 1 : 0);
