import type { Box, RgbImage } from '../detection/index.js';
import type { Track } from '../tracking/index.js';
import { boxDistance, type HitBase } from './hit.js';
import type { StaticObject } from './static-objects.js';
import type { RuleHit } from './types.js';

/**
 * Frames are kept this long (ms): the static-object detector knows an object only once it has stood for
 * a few seconds and the person who put it there has stepped away (the lobby bag: put down at ~10 s, its
 * owners beside it until ~16 s), so the frame showing that person is already 5-15 s old.
 */
export const DEFAULT_EVIDENCE_FRAMES_LOOKBACK_MS = 15_000;
/** At most one frame per this interval is kept (ms): ≤ 15 frames (~10-14 MB at 640 px) per rule while people are in view. */
export const DEFAULT_EVIDENCE_FRAMES_EVERY_MS = 1_000;
/** The person is looked for from this long before the object's pixels began to change (ms). */
export const DEFAULT_EVIDENCE_BEFORE_MS = 3_000;

/** A kept frame with the people in it. */
interface KeptFrame {
  tMs: number;
  frame: RgbImage;
  people: { trackId: number; box: Box }[];
}

/** The person near an object, on a frame kept from when they were there. */
export interface FrameEvidence {
  tMs: number;
  frame: RgbImage;
  trackId: number;
  box: Box;
}

/**
 * A short memory of frames with people in them (references to the frames, not copies), so evidence for an
 * object found seconds after it appeared can show the person who was by it. Pure.
 */
export class EvidenceFrames {
  private readonly kept: KeptFrame[] = [];

  constructor(
    private readonly lookbackMs = DEFAULT_EVIDENCE_FRAMES_LOOKBACK_MS,
    private readonly everyMs = DEFAULT_EVIDENCE_FRAMES_EVERY_MS,
  ) {}

  /** Offers a frame; kept when it shows people and the last kept one is old enough. */
  offer(frame: RgbImage, people: readonly Track[], tMs: number): void {
    while (this.kept.length > 0 && tMs - this.kept[0]!.tMs > this.lookbackMs) this.kept.shift();
    if (people.length === 0) return;
    const last = this.kept[this.kept.length - 1];
    if (last !== undefined && tMs - last.tMs < this.everyMs) return;
    this.kept.push({ tMs, frame, people: people.map((p) => ({ trackId: p.id, box: { ...p.box } })) });
  }

  /**
   * The latest kept frame between `fromMs` and `toMs` with a person within `radiusPx` (gap between boxes) of
   * `box`, and the nearest such person on it: the last view of whoever was by the object before it was
   * found alone.
   */
  find(box: Box, radiusPx: number, fromMs: number, toMs: number): FrameEvidence | undefined {
    for (let k = this.kept.length - 1; k >= 0; k--) {
      const f = this.kept[k]!;
      if (f.tMs > toMs) continue;
      if (f.tMs < fromMs) break;
      let best: { trackId: number; box: Box; d: number } | undefined;
      for (const p of f.people) {
        const d = boxDistance(p.box, box);
        if (d <= radiusPx && (best === undefined || d < best.d)) best = { ...p, d };
      }
      if (best !== undefined) return { tMs: f.tMs, frame: f.frame, trackId: best.trackId, box: best.box };
    }
    return undefined;
  }

  /** Frames held now (for tests and memory accounting). */
  get size(): number {
    return this.kept.length;
  }
}

/** The class name of objects found from pixels alone: the detector gave them no class. */
export const STATIC_OBJECT_CLASS = 'object';

/** A hit about a static object (no track: trackId 0, score 1, class `object`). */
export function staticHit(base: HitBase, obj: StaticObject, tMs: number, zoneId?: string): RuleHit {
  const hit: RuleHit = {
    ruleId: base.ruleId,
    ruleType: base.ruleType,
    category: base.category,
    severity: base.severity,
    trackId: 0,
    className: STATIC_OBJECT_CLASS,
    score: 1,
    box: { ...obj.box },
    tMs,
    reason: 'static_pixels',
  };
  if (base.cooldownMs !== undefined) hit.cooldownMs = base.cooldownMs;
  if (zoneId !== undefined) hit.zoneId = zoneId;
  return hit;
}

/** The same static object as a still pseudo-track, for rules written for tracks (object_left's attendance). */
export function staticTrack(obj: StaticObject, tMs: number): Track {
  return {
    id: 0,
    classId: -1,
    className: STATIC_OBJECT_CLASS,
    score: 1,
    box: { ...obj.box },
    firstSeenMs: obj.bornMs,
    lastSeenMs: tMs,
    hits: 1,
    history: [{ tMs, x: (obj.box.x1 + obj.box.x2) / 2, y: obj.box.y2 }],
  };
}
