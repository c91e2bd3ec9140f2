/**
 * One error family for the whole agent. Every failure an operator can see carries a stable `code`
 * (listed in docs/errors.md and checked by a test), a message naming the field or source at fault,
 * and a `hint` saying what to do next.
 */
export const ERROR_CATALOGUE = {
  CONFIG_NOT_FOUND: 'Check the --config path, or copy config/camwatch.example.yaml.',
  CONFIG_PARSE: 'Fix the YAML syntax at the line and column given.',
  CONFIG_INVALID: 'Fix each field listed; `camwatch config validate FILE` re-checks without starting.',
  SECRET_UNREADABLE: 'Create the secret file or set the environment variable named in the config.',
  MODEL_UNKNOWN: 'Use a model name listed in models/manifest.json.',
  MODEL_NOT_FOUND: 'Run `npm run fetch-assets` (or place the file in the models directory).',
  MODEL_CHECKSUM: 'The model file is corrupt or a different version: delete it and run `npm run fetch-assets`.',
  MODEL_INVALID: 'The file is not a loadable ONNX model: fetch it again or check the manifest layout.',
  MODEL_LAYOUT: 'Set `layout` in the model manifest to one of the known layouts.',
  SOURCE_INVALID: 'Give a camera source as rtsp://host/path or an existing video file path.',
  FFMPEG_MISSING: 'Install ffmpeg (Debian: apt-get install -y ffmpeg).',
  CAMERA_UNAUTHORIZED: 'Check the camera username and password.',
  CAMERA_NOT_FOUND: 'Check the stream path (e.g. the ONVIF profile stream URI).',
  CAMERA_UNREACHABLE: 'Check that the camera is powered and reachable from this box (ping, port 554).',
  CAMERA_CODEC: 'The stream codec is not supported by this ffmpeg; switch the camera profile to H.264/H.265.',
  CAMERA_STALLED: 'The camera stopped sending frames; the agent restarts the decoder by itself.',
  ONVIF_UNREACHABLE: 'Check the device address and that ONVIF is enabled on the camera.',
  ONVIF_AUTH: 'Check the ONVIF username and password (some cameras need a separate ONVIF user).',
  ONVIF_BAD_RESPONSE: 'The device answered with something that is not valid ONVIF; check firmware or address.',
  STORE_OPEN: 'Check that agent.dataDir exists, is writable and the disk is not full.',
  STORE_FULL: 'Free disk space or lower store quotas; evidence is pruned first.',
  STORE_CORRUPT: 'Stop the agent and run `camwatch store recover --config <your config>`: it keeps what can be read and moves the damaged file aside.',
  STORE_IN_USE: 'Stop the agent (systemctl stop camwatch) and any `camwatch incidents` command using the store, then run the command again.',
  STORE_LOCKED: 'Another agent runs on this agent.dataDir: stop it first (sudo systemctl stop camwatch), or give this one its own dataDir. Read-only commands (incidents, status, doctor) work while it runs.',
  MQTT_AUTH: 'Check the broker username/password (or client certificate) in the mqtt section.',
  MQTT_TLS: 'Check mqtt.tls.ca / cert / key files and that the broker hostname matches its certificate.',
  MQTT_UNREACHABLE: 'Check mqtt.url and that the broker is reachable; incidents are kept and sent later.',
  COMMAND_REJECTED: 'Sign the command with the shared secret, or check the request format.',
  EVAL_CLIP_INVALID: 'Fix each field listed in the clip file; the format is in eval/README.md.',
  EVAL_VIDEO_RENDER: 'Check the clip\'s video.filterComplex (and its inputs) with ffmpeg by hand; the error shows ffmpeg\'s message.',
  COMMAND_INVALID: 'Send a JSON object within mqtt.commands.maxBytes and maxDepth (docs/mqtt.md, Commands).',
  COMMAND_RESPONSE_TOPIC: 'Ask for the answer under <prefix>/<agentId>/responses/ (docs/mqtt.md, Commands).',
  CLIP_RING_SPACE: 'Free disk space in agent.dataDir, or lower cameras[].clips.maxBitrateKbps / preSeconds / maxSeconds (or turn clips off on some cameras).',
  CONSOLE_PORT_IN_USE: 'Another program listens on console.port: set console.port to a free port (or 0), or console.enabled: false; the agent runs on without the console.',
  CONSOLE_TOKEN_UNREADABLE: 'Fix console.tokenFile (one random token of 16+ characters, mode 0600), or remove console.tokenFile to have one generated in agent.dataDir.',
  CONSOLE_UNAUTHORIZED: 'Open the console with the link `camwatch console url --config FILE` prints (the token is in it), or send `Authorization: Bearer <token>`.',
  CONSOLE_FORBIDDEN: 'The console answers only pages of its own origin: open it directly (through ssh -L), not from another site.',
  CONSOLE_NOT_FOUND: 'Check the camera or incident id (GET /api/status lists the cameras).',
  CONSOLE_BAD_REQUEST: 'Fix the field named in the error (docs/console.md lists each endpoint\'s parameters).',
  CONSOLE_CONFIG_UNWRITABLE: 'The agent may not write its config file or folder (a systemd install older than /etc/camwatch/editable/, a read-only Docker mount, ownership): run scripts/install-service.sh again (it moves the config where the agent may save it; secrets stay read-only), mount the folder writable, or apply the diff by hand.',
  CONSOLE_FAILED: 'A console request failed inside the agent: the agent log (component "console") has the error; report it with that line.',
  CONSOLE_BODY_TOO_LARGE: 'Send a smaller body, or raise console.maxBodyBytes.',
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface CamwatchErrorOptions {
  cause?: unknown;
  /** Structured context (field path, file, camera id...) for logs; never secrets. */
  details?: Record<string, unknown>;
  /** Overrides the catalogue's generic next step when a more precise one is known. */
  hint?: string;
}

export class CamwatchError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: CamwatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CamwatchError';
    this.code = code;
    this.hint = options.hint ?? ERROR_CATALOGUE[code];
    this.details = options.details ?? {};
  }
}

export function isCamwatchError(err: unknown, code?: ErrorCode): err is CamwatchError {
  return err instanceof CamwatchError && (code === undefined || err.code === code);
}

/** One line an operator can act on: what went wrong, then what to do. */
export function describeError(err: unknown): string {
  if (err instanceof CamwatchError) return `${err.code}: ${err.message}\n  → ${err.hint}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
