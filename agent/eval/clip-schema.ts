import { z } from 'zod';

/**
 * The labelled-clip file (eval/clips/<name>.yaml), as agreed with the labellers (eval/README.md). The
 * `camera` block is checked apart, by the camwatch.yaml schema itself (see clip.ts); here it is any mapping.
 */

/** Default matching tolerance of an expected incident's start (s). */
export const DEFAULT_TOLERANCE_S = 2;

const seconds = z.number().min(0).describe('seconds from the start of the video');

export const derivedVideoSchema = z
  .strictObject({
    inputs: z.array(z.string().min(1)).min(1).describe('files under <data>/video/, the ffmpeg inputs [0:v], [1:v], …'),
    filterComplex: z.string().min(1).describe('ffmpeg -filter_complex graph whose output label is [out]'),
  })
  .describe('A clip made from real videos by ffmpeg (camera-health cases), rendered once into var/eval-cache/');

export const clipVideoSchema = z.union([z.string().min(1).describe('a file under <data>/video/'), derivedVideoSchema]);

export const expectedIncidentSchema = z.strictObject({
  rule: z.string().min(1).describe('a rule id from camera.rules'),
  class: z.string().min(1).optional().describe("the incident's object class, when it matters"),
  startS: seconds.describe('when the condition truly starts (for rules with a minimum duration: when it has lasted that long)'),
  toleranceS: z.number().gt(0).default(DEFAULT_TOLERANCE_S).describe('a produced incident matches within startS ± toleranceS'),
  endS: seconds.optional().describe('when the condition ends, where it matters'),
  note: z.string().optional().describe('what is seen, which frame'),
});

export const expectedCountSchema = z.strictObject({
  line: z.string().min(1).describe('a line id from camera.lines'),
  class: z.string().min(1),
  in: z.number().int().min(0).describe("crossings in the line's in direction"),
  out: z.number().int().min(0).describe("crossings in the line's out direction"),
});

export const emptySpanSchema = z.strictObject({ fromS: seconds, toS: seconds });

export const clipSchema = z.strictObject({
  video: clipVideoSchema,
  split: z.enum(['tune', 'holdout']).describe('holdout clips are never used to choose thresholds'),
  labels: z
    .looseObject({ method: z.string().min(1).describe('how the labels were made: method, who, when, uncertainties') })
    .describe('how the labels were made (REQUIRED); other keys (by, date, …) are kept as they are'),
  camera: z.record(z.string(), z.unknown()).describe('a camwatch.yaml camera entry without `source`'),
  truth: z
    .strictObject({
      incidents: z.array(expectedIncidentSchema).default([]),
      counts: z.array(expectedCountSchema).default([]),
      empty: z.array(emptySpanSchema).default([]),
    })
    .prefault({}),
});

export type ClipFile = z.output<typeof clipSchema>;
export type ClipVideo = z.output<typeof clipVideoSchema>;
export type ExpectedIncident = z.output<typeof expectedIncidentSchema>;
export type ExpectedCount = z.output<typeof expectedCountSchema>;
export type EmptySpan = z.output<typeof emptySpanSchema>;
export type ClipSplit = ClipFile['split'];
