#!/usr/bin/env node
// The `camwatch` command. Runs the compiled build when present (`npm run build`, used by the Docker
// image), otherwise the TypeScript sources through tsx, so a git checkout works without a build step.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/agent/cli/main.js', import.meta.url));
let entry;
if (existsSync(built)) {
  entry = pathToFileURL(built).href;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../agent/cli/main.ts', import.meta.url).href;
}
// `camwatch … | head`: the reader leaving is a normal end of the output, not a crash with a stack trace.
// Output stops; the command finishes (tail stops on its own handler; run keeps running, its logs dropped).
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
});
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
