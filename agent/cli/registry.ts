import type { CliCommand } from './types.js';

/** A `camwatch` subcommand as `--help` lists it; its module is loaded only when it runs. */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CliCommand>;
}

/**
 * Every `camwatch` subcommand, in the order `--help` lists them. Each loads when it runs: `camwatch run`
 * on a box then carries none of the others' modules and packages (ONVIF with its XML parser, the eval
 * harness, onboarding, the doctor) for as long as it runs.
 */
export const commands: readonly CommandEntry[] = [
  { name: 'run', summary: 'start the agent', load: async () => (await import('./commands/run.js')).runCommand },
  { name: 'discover', summary: 'find ONVIF cameras on the network (WS-Discovery)', load: async () => (await import('./commands/discover.js')).discoverCommand },
  { name: 'camera', summary: 'add a camera from its ONVIF description (camera add), or check one with a frame (camera test)', load: async () => (await import('./commands/camera.js')).cameraCommand },
  { name: 'detect', summary: 'run the detector on image files and print JSON detections', load: async () => (await import('./commands/detect.js')).detectCommand },
  { name: 'eval', summary: 'score the pipeline on labelled clips (precision, recall, counts)', load: async () => (await import('./commands/eval.js')).evalCommand },
  { name: 'config', summary: 'validate a config file, or print its JSON Schema', load: async () => (await import('./commands/config.js')).configCommand },
  { name: 'incidents', summary: 'list, show and resend stored incidents', load: async () => (await import('./commands/incidents.js')).incidentsCommand },
  { name: 'counts', summary: 'line counts and zone occupancy per time bin, from the store', load: async () => (await import('./commands/counts.js')).countsCommand },
  { name: 'store', summary: 'check the incident store, recover a damaged one', load: async () => (await import('./commands/store.js')).storeCommand },
  { name: 'doctor', summary: 'check ffmpeg, model, store, disk, broker, clock and every camera; say what to fix', load: async () => (await import('./commands/doctor.js')).doctorCommand },
  { name: 'status', summary: 'what the running agent is doing: cameras, fps, incidents, backlog', load: async () => (await import('./commands/status.js')).statusCommand },
  { name: 'tail', summary: 'print incidents and camera state changes live from the broker', load: async () => (await import('./commands/tail.js')).tailCommand },
  { name: 'broker', summary: "the embedded MQTT broker's login (user, password, a mosquitto_sub line)", load: async () => (await import('./commands/broker.js')).brokerCommand },
  { name: 'console', summary: "the web console's link with its token (open it through ssh -L)", load: async () => (await import('./commands/console.js')).consoleCommand },
];
