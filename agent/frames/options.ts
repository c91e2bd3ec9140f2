import { z } from 'zod';

/**
 * The options the frames stage needs from a camera's config entry, as zod pieces owned by this stage:
 * config/schema.ts composes them into the file's schema (so the stage never imports config), and the
 * types below are what the stage's functions take.
 */

/** `cameras[].source`: an RTSP camera or a video file standing in for one. */
export const sourceSchema = z.union([
  z.strictObject({
    url: z.string().min(1).describe('rtsp://[user[:password]@]host[:port]/path'),
    transport: z.enum(['tcp', 'udp']).default('tcp').describe('RTSP transport; tcp survives lossy links and NAT'),
    username: z.string().optional().describe('Camera user; may also be given in the URL'),
    password: z.string().optional().describe('Camera password; prefer passwordFile or passwordEnv'),
    passwordFile: z.string().optional().describe('File holding the camera password (trimmed); relative to the config file'),
    passwordEnv: z.string().optional().describe('Environment variable holding the camera password'),
  }),
  z.strictObject({
    file: z.string().min(1).describe('A video file played at real-time rate, looped: stands in for a camera'),
    loop: z.boolean().default(true).describe('Start again at the end of the file'),
    speed: z
      .number()
      .min(0)
      .max(100)
      .default(1)
      .describe('Playback speed: 1 = real time (a stand-in camera), 4 = four times faster, 0 = as fast as decoding allows (analysing recorded footage, benchmarks)'),
  }),
]).describe('Where frames come from: an RTSP camera (url) or a video file (file)');

/** `cameras[].analysis`: how frames are sampled for detection. */
export const analysisSchema = z
  .strictObject({
    fps: z.number().gt(0).max(30).default(5).describe('Frames analysed per second'),
    width: z.number().int().min(160).max(1920).default(640).describe('Analysis frame width (px); height keeps the aspect ratio'),
    stallSeconds: z.number().min(1).max(600).default(10).describe('No frame for this long restarts the decoder'),
    decoderThreads: z
      .number()
      .int()
      .min(0)
      .max(16)
      .default(1)
      .describe('ffmpeg decoding threads for this camera (software decoding). 1: least CPU and memory per camera (measured on a 720p stream: 6.6 vs 7.1 % of a core, 7 MB less) and no frame-threading delay; 0: ffmpeg decides, for a main stream one core cannot decode in real time'),
    skipNonReferenceFrames: z
      .union([
        z.literal('auto').describe('Skip them when the stream runs at least 3x the analysis fps'),
        z.boolean().describe('true: always skip them; false: decode every frame'),
      ])
      .default('auto')
      .describe(
        "Do not decode frames no other frame refers to (B-frames, top temporal layers): less decoding CPU on streams that have them, none lost on streams that do not. auto: skip them when the stream runs at least 3x the analysis fps (read from the stream when it starts; a slower stream is restarted without skipping). true: always; false: never",
      ),
    fastDecode: z
      .boolean()
      .default(true)
      .describe('Cheaper software decoding: no H.264/HEVC deblocking filter (-skip_loop_filter all), the decoder\'s fast shortcuts (-flags2 fast) and a fast_bilinear scale to the analysis width. Measured (bench decode scenario, 3 repeats, idle 2-core box): 6.8 → 5.7 % of a core per 720p 20 fps camera, the same incidents on every labelled clip and line counts within one vehicle (docs/quality.md). Ignored (full quality) on a camera with tiling on: tiles need the detail. false: full-quality decoding'),
    hwaccel: z
      .enum(['vaapi', 'qsv', 'cuda', 'v4l2m2m'])
      .optional()
      .describe('Hardware video decoding; falls back to software when the device is missing. Absent: software'),
  })
  .prefault({})
  .describe('How frames are sampled for detection');

/** A camera's source as the frames stage takes it (parsed config: defaults applied). */
export type SourceOptions = z.output<typeof sourceSchema>;
/** A camera's analysis settings as the frames stage takes it (parsed config: defaults applied). */
export type AnalysisOptions = z.output<typeof analysisSchema>;

/** What the frames stage reads of one camera: its id, its source and its analysis settings. */
export interface FrameCameraOptions {
  id: string;
  source: SourceOptions;
  analysis: AnalysisOptions;
}
