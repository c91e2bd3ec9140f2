import { isMainThread } from 'node:worker_threads';

/**
 * onnxruntime-node 1.30 ships the 1DS telemetry SDK inside libonnxruntime.so. Unless switched off, the first
 * session of a process writes a device id and an event queue (SQLite) under ~/.cache/Microsoft/DeveloperTools/
 * .onnxruntime/, leaves an empty /tmp/mat-debug-<pid>.log, and ~9 s later resolves
 * mobile.events.data.microsoft.com to upload (measured with strace on the 2-core box). A street-camera box
 * must send nothing its operator did not configure. The node binding exposes no DisableTelemetryEvents;
 * ORT's documented runtime switch (docs/Privacy.md) is this variable, read with getenv() when ORT
 * initialises, i.e. at the first InferenceSession.create of the process, not at import.
 */
export const ORT_TELEMETRY_SWITCH = 'ORT_DISABLE_TELEMETRY';

/**
 * Switches onnxruntime's telemetry off for this process; call before any session is created. On the main
 * thread it sets the variable in the real process environment (Node's process.env setter calls setenv).
 * A worker thread's process.env is a private copy that native getenv() never sees (checked: a worker
 * setting it still got /tmp/mat-debug-<pid>.log), so a worker can only check that its parent did it;
 * it refuses to go on rather than let ORT start the uploader.
 */
export function disableOrtTelemetry(env: NodeJS.ProcessEnv = process.env, mainThread: boolean = isMainThread): void {
  if (mainThread) {
    // Unconditional: an inherited ORT_DISABLE_TELEMETRY=0 must not turn the uploader back on.
    env[ORT_TELEMETRY_SWITCH] = '1';
    return;
  }
  if (env[ORT_TELEMETRY_SWITCH] !== '1') {
    throw new Error(`onnxruntime telemetry is not switched off in this worker thread: its parent must call disableOrtTelemetry() before starting it (${ORT_TELEMETRY_SWITCH}=1 in the process environment)`);
  }
}
