import type { ErrorCode } from '../core/index.js';

/**
 * Turns ffmpeg stderr lines into short operator messages. The messages never quote the line itself:
 * ffmpeg prints the input URL (with its credentials) next to most errors.
 */
export type StderrKind =
  | 'unauthorized'
  | 'not_found'
  | 'unreachable'
  | 'rtsp_status'
  | 'transport'
  | 'codec'
  | 'hwaccel'
  | 'invalid_data'
  | 'io_error';

export interface StderrClassification {
  kind: StderrKind;
  /** Set when the failure is one the error catalogue describes (and has a hint for). */
  code?: ErrorCode;
  /** Short, credential-free; e.g. `camera rejected the credentials (401 Unauthorized)`. */
  message: string;
}

interface Rule {
  test: RegExp;
  classify: (m: RegExpExecArray) => StderrClassification;
}

// Order matters: hardware-decoder lines come first because they also say "decoder".
const RULES: Rule[] = [
  {
    test: /Device creation failed|No device available for decoder|Device setup failed for decoder|Could not find a valid device|Cannot load libcuda|Could not dynamically load CUDA|hwaccel initialisation returned error|Failed setup for format (?:vaapi|qsv|cuda)|Error creating a QSV device|can't configure decoder/i,
    classify: () => ({ kind: 'hwaccel', message: 'hardware decoder could not be initialised' }),
  },
  {
    // `method DESCRIBE failed: 401 Unauthorized` / `Server returned 401 Unauthorized (authorization failed)`
    test: /(?:failed|Server returned):? (40[13]) ([A-Za-z ]+?)(?: \(|$)/,
    classify: (m) => ({ kind: 'unauthorized', code: 'CAMERA_UNAUTHORIZED', message: `camera rejected the credentials (${m[1]} ${reason(m[2])})` }),
  },
  {
    test: /(?:failed|Server returned):? 404 Not Found/,
    classify: () => ({ kind: 'not_found', code: 'CAMERA_NOT_FOUND', message: 'camera has no stream at this path (404 Not Found)' }),
  },
  {
    // 461 Unsupported Transport, or UDP blocked: the answer names a transport the camera will not do.
    test: /461 Unsupported [Tt]ransport|Nonmatching transport in server reply|Unsupported transport/,
    classify: () => ({ kind: 'transport', message: 'camera refused the RTSP transport (try the other of tcp/udp)' }),
  },
  {
    test: /(?:failed|Server returned):? ([45]\d\d) ([A-Za-z ]+?)(?: \(|$)/,
    classify: (m) => ({ kind: 'rtsp_status', message: `camera answered ${m[1]} ${reason(m[2])}` }),
  },
  {
    test: /Connection refused|Connection timed out|Operation timed out|No route to host|Network is unreachable|Host is unreachable|Failed to resolve hostname|Name or service not known|Temporary failure in name resolution|Connection reset by peer/i,
    classify: (m) => ({ kind: 'unreachable', code: 'CAMERA_UNREACHABLE', message: unreachableMessage(m[0]) }),
  },
  {
    // ffmpeg 5: `Decoder (codec hevc) not found for input stream #0:0`; ffmpeg 6+: `Decoding requested,
    // but no decoder found for: hevc`; `Unknown decoder 'x'`; `No decoder for stream #0:0`.
    test: /Decoder \(codec (\w+)\) not found|no decoder found for: ?(\w+)|Unknown decoder '([^']+)'|No decoder for stream|Codec \S* ?not supported|unsupported codec/i,
    classify: (m) => {
      const codec = m[1] ?? m[2] ?? m[3];
      return { kind: 'codec', code: 'CAMERA_CODEC', message: codec ? `no decoder for codec ${codec.slice(0, MAX_QUOTED_CHARS)}` : 'stream codec is not supported' };
    },
  },
  {
    test: /Invalid data found when processing input|moov atom not found/,
    classify: () => ({ kind: 'invalid_data', message: 'the source did not send a video stream ffmpeg understands (invalid data)' }),
  },
  {
    test: /Input\/output error|No such file or directory|Permission denied/,
    classify: (m) => ({ kind: 'io_error', message: m[0].toLowerCase() }),
  },
];

/**
 * Longest piece of a line quoted in a message (chars). The RTSP reason phrase is the camera's own text:
 * a camera answering `401 <4 KB of letters>` must not put 4 KB into every state change and MQTT payload.
 */
const MAX_QUOTED_CHARS = 40;

/** The classification of one stderr line, or undefined for the many informational lines. */
export function classifyStderrLine(line: string): StderrClassification | undefined {
  // ffmpeg never indents an error; indented lines are its header dump, where the camera's own metadata
  // (an SDP title such as "x failed: 401 Unauthorized") would otherwise pass for an error.
  if (/^\s/.test(line)) return undefined;
  for (const rule of RULES) {
    const m = rule.test.exec(line);
    if (m) return rule.classify(m);
  }
  return undefined;
}

/**
 * The most useful classification of a run's stderr: the first line with a catalogue code (the cause;
 * later lines repeat it in other words), else the last classified line.
 */
export function classifyStderr(lines: Iterable<string>): StderrClassification | undefined {
  let fallback: StderrClassification | undefined;
  for (const line of lines) {
    const c = classifyStderrLine(line);
    if (c?.code !== undefined) return c;
    if (c) fallback = c;
  }
  return fallback;
}

function reason(text: string | undefined): string {
  return (text ?? '').slice(0, MAX_QUOTED_CHARS).trim();
}

function unreachableMessage(match: string): string {
  const m = match.toLowerCase();
  if (m.includes('resolve') || m.includes('name')) return 'camera host name does not resolve';
  if (m.includes('refused')) return 'connection refused';
  if (m.includes('timed out')) return 'connection timed out';
  if (m.includes('reset')) return 'connection reset by the camera';
  return m.includes('network') ? 'network is unreachable' : 'no route to host';
}
