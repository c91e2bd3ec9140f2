import type { Box, CropRect } from '../core/index.js';
import { DEFAULT_KEEPALIVE_SECONDS, type GateReason } from './gate.js';
import type { MotionRegion } from './motion-detector.js';

/** Context kept around the moving region (frame px), so a moving object is whole inside the crop. */
export const DEFAULT_CROP_MARGIN_PX = 24;
/** The whole frame is inferred at least this often (s) while crops run, so objects outside stay current: the keep-alive's cadence. */
export const DEFAULT_FULL_FRAME_EVERY_SECONDS = DEFAULT_KEEPALIVE_SECONDS;
/** A crop detection this close (px) to a crop edge inside the frame is a cut-off object: not trusted. */
const EDGE_PX = 2;

/**
 * Motion-guided crops. When everything that moves fits in one model-input-sized window, the detector
 * gets that window at native resolution instead of the whole frame shrunk to the model input (a 640 px
 * frame into YOLOX-nano's 416 px input is a 0.65x shrink: a 20 px motorbike becomes 13 px). It costs the
 * same (the input tensor has the same size) and sees small objects sharper. Objects outside the window
 * keep their previous detections; the whole frame runs on every keep-alive and at least once a second.
 */
export class MotionCropper {
  private lastFullFrameMs = Number.NEGATIVE_INFINITY;
  private readonly marginPx: number;
  private readonly fullFrameEveryMs: number;

  constructor(options: { marginPx?: number; fullFrameEverySeconds?: number } = {}) {
    this.marginPx = options.marginPx ?? DEFAULT_CROP_MARGIN_PX;
    this.fullFrameEveryMs = (options.fullFrameEverySeconds ?? DEFAULT_FULL_FRAME_EVERY_SECONDS) * 1000;
  }

  /** The window to infer on for a frame the gate let through, or undefined for the whole frame. */
  plan(reason: GateReason, region: MotionRegion | undefined, frame: { width: number; height: number }, input: { width: number; height: number }, tMs: number): CropRect | undefined {
    const due = tMs - this.lastFullFrameMs >= this.fullFrameEveryMs;
    const rect = reason === 'motion' && region && !due ? cropWindow(region, frame, input, this.marginPx) : undefined;
    if (!rect) this.lastFullFrameMs = tMs;
    return rect;
  }
}

/**
 * A window of the model's input size centred on the padded region, or undefined when cropping gains
 * nothing: the frame already fits the model input, or the padded region does not fit in one window.
 */
export function cropWindow(region: MotionRegion, frame: { width: number; height: number }, input: { width: number; height: number }, marginPx: number): CropRect | undefined {
  if (frame.width <= input.width && frame.height <= input.height) return undefined;
  const x1 = Math.max(0, Math.floor(region.x1 - marginPx));
  const y1 = Math.max(0, Math.floor(region.y1 - marginPx));
  const x2 = Math.min(frame.width, Math.ceil(region.x2 + marginPx));
  const y2 = Math.min(frame.height, Math.ceil(region.y2 + marginPx));
  const width = Math.min(input.width, frame.width);
  const height = Math.min(input.height, frame.height);
  if (x2 - x1 > width || y2 - y1 > height) return undefined;
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max, v));
  return {
    x: clamp(Math.round((x1 + x2 - width) / 2), frame.width - width),
    y: clamp(Math.round((y1 + y2 - height) / 2), frame.height - height),
    width,
    height,
  };
}

/**
 * The frame's detections after a crop ran: the crop's (moved back to frame pixels), except objects cut by
 * a crop edge inside the frame, plus the previous detections the crop could not have replaced (not wholly
 * inside the window, and not where things moved: those were the moving objects' old positions).
 */
export function mergeCropDetections<D extends { box: Box }>(
  cropDetections: readonly D[],
  rect: CropRect,
  previous: readonly D[],
  frame: { width: number; height: number },
  region: MotionRegion,
): D[] {
  const inner = {
    left: rect.x > 0 ? rect.x + EDGE_PX : Number.NEGATIVE_INFINITY,
    top: rect.y > 0 ? rect.y + EDGE_PX : Number.NEGATIVE_INFINITY,
    right: rect.x + rect.width < frame.width ? rect.x + rect.width - EDGE_PX : Number.POSITIVE_INFINITY,
    bottom: rect.y + rect.height < frame.height ? rect.y + rect.height - EDGE_PX : Number.POSITIVE_INFINITY,
  };
  const fromCrop = cropDetections
    .map((d) => ({ ...d, box: { x1: d.box.x1 + rect.x, y1: d.box.y1 + rect.y, x2: d.box.x2 + rect.x, y2: d.box.y2 + rect.y } }))
    .filter((d) => d.box.x1 > inner.left && d.box.y1 > inner.top && d.box.x2 < inner.right && d.box.y2 < inner.bottom);
  const kept = previous.filter((d) => {
    const b = d.box;
    const whollyInside = b.x1 >= rect.x && b.y1 >= rect.y && b.x2 <= rect.x + rect.width && b.y2 <= rect.y + rect.height;
    const overlapsMotion = b.x1 < region.x2 && b.x2 > region.x1 && b.y1 < region.y2 && b.y2 > region.y1;
    return !whollyInside && !overlapsMotion;
  });
  return [...kept, ...fromCrop];
}
