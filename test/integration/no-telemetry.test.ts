/**
 * Nothing leaves the box that its operator did not configure (issue 16, finding 5). A real `camwatch run`
 * with the real YOLOX-nano model on a file camera runs under `strace -f`; every thread and child (the
 * detector's worker thread, ffmpeg) is traced.
 *
 * Before the fix, onnxruntime-node 1.30's built-in 1DS uploader, at the first session, created
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db} and /tmp/mat-debug-<pid>.log,
 * and 9.0–9.1 s later (three straced runs on the 2-core box) sent a DNS query for
 * mobile.events.data.microsoft.com to the resolver. So the trace covers the 10.5 s after "agent started"
 * (the model session is open by then): an absence can only be shown over the window it would happen in.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { assertNoAgentLeaks, startAgent } from '../helpers/agent-process.js';
import { DATA_DIR, PROJECT_ROOT, videoPath } from '../helpers/data.js';
import { isLocalContact, networkContacts, straceWorks, straceWrap, writtenPaths } from '../helpers/strace.js';

/** ORT's first upload came 9.1 s at most after its initialisation; 1.4 s margin. */
const OBSERVE_AFTER_START_MS = 10_500;

/**
 * Variables under which onnxruntime stays quiet by itself (CI markers, its own test flag, the switch):
 * removed, so this test shows the agent's own behaviour wherever it runs (GitHub Actions sets CI=true).
 */
const QUIETING_VARIABLES = ['CI', 'TF_BUILD', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CIRCLECI', 'TRAVIS', 'JENKINS_URL', 'CODEBUILD_BUILD_ID',
  'BUILDKITE', 'TEAMCITY_VERSION', 'APPVEYOR', 'BITBUCKET_BUILD_NUMBER', 'SYSTEM_TEAMFOUNDATIONCOLLECTIONURI', 'ORT_RUNNING_UNIT_TESTS',
  'ORT_DISABLE_TELEMETRY', 'ORT_TELEMETRY_DISABLED'];

const dirs: string[] = [];
afterEach(() => {
  assertNoAgentLeaks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('no telemetry from dependencies', () => {
  it('a running agent reaches only loopback and writes nothing in the user cache or /tmp/mat-debug-*', async () => {
    expect(straceWorks(), 'strace must run here (scripts/install-system-deps.sh installs it; containers need ptrace allowed)').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'camwatch-telemetry-'));
    dirs.push(dir);
    const home = join(dir, 'home');
    mkdirSync(home);
    const config = join(dir, 'camwatch.yaml');
    writeFileSync(config, `
version: 1
agent: { id: quiet-box, dataDir: ${join(dir, 'var')} }
models: { dir: ${join(DATA_DIR, 'models')}, manifest: ${join(PROJECT_ROOT, 'models', 'manifest.json')} }
detection: { model: yolox_nano_416 }
mqtt: { embeddedHost: 127.0.0.1, embeddedPort: 0 }
health: { host: 127.0.0.1, port: 0 }
cameras:
  - id: cam-1
    source: { file: ${videoPath('vn_saigon_intersection.mp4')} }
    analysis: { fps: 2, width: 320 }
`);
    const env: NodeJS.ProcessEnv = { HOME: home, XDG_CACHE_HOME: join(home, '.cache') };
    for (const name of QUIETING_VARIABLES) env[name] = undefined;
    const traceFile = join(dir, 'strace.log');
    const startedAtMs = Date.now() - 1000; // file times have coarser clocks
    const agent = startAgent(['run', '--config', config], env, { wrap: straceWrap(traceFile) });
    await agent.waitForLog((e) => e.msg === 'agent started', 60_000);
    const pid = agent.agentPid();
    await sleep(OBSERVE_AFTER_START_MS);
    expect(await agent.stop()).toBe(0);

    const log = readFileSync(traceFile, 'utf8');
    const contacts = networkContacts(log);
    // The trace saw what it should see: the uplink's connection to the embedded broker, and the model file opened.
    expect(contacts.some((c) => c.family === 'AF_INET' && c.address === '127.0.0.1' && c.syscall === 'connect')).toBe(true);
    expect(log).toContain('yolox_nano_416.onnx');
    // No DNS query, no name-service lookup, nothing off the box.
    expect(contacts.filter((c) => !isLocalContact(c)).map((c) => c.line)).toEqual([]);
    expect(contacts.filter((c) => c.port === 53)).toEqual([]);
    // No device id or event queue in the user's cache, no debug log in /tmp.
    const written = writtenPaths(log);
    expect(written.filter((p) => p.startsWith(home) || p.includes('.onnxruntime') || p.includes('mat-debug'))).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
    // A file of that name left by an earlier process with the same pid (pids wrap at pid_max) is not the agent's.
    const debugLog = `/tmp/mat-debug-${pid}.log`;
    expect(existsSync(debugLog) && statSync(debugLog).mtimeMs >= startedAtMs).toBe(false);
  }, 90_000);
});
