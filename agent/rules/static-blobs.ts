/**
 * Blobs of static pixels (static-background.ts) and what each one most likely is: an object put down
 * (`added`), background uncovered where an object was taken away (`removed`, a "ghost"), or the same
 * surface under other light (`lighting`: a shadow, a lamp). Pure functions over the model's arrays.
 *
 * Added vs removed follows Tian, Feris & Hampapur ("Real-time detection of abandoned and removed objects
 * in complex environments", 2008): an object's outline is an edge in the frame that the background did
 * not have; a removed object's outline is an edge in the background that the frame no longer has.
 */

/** A group of static pixels, on the model's grid. */
export interface PixelBlob {
  /** Pixel indices (y · width + x). */
  pixels: number[];
  /** Bounding box on the grid, inclusive. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export type BlobKind = 'added' | 'removed' | 'lighting' | 'unclear';

/** Why a blob got its kind: the numbers, for tests and operators tuning. */
export interface BlobVerdict {
  kind: BlobKind;
  /** Edge strength along the outline in the frame ÷ in the background (+1 each): > 1 a new outline. */
  edgeRatio: number;
  /** Normalised correlation of frame and background inside the blob (−1..1); NaN on a flat background. */
  textureCorrelation: number;
}

/**
 * Outline edges this much stronger in the frame than in the background: something was put there. Measured:
 * the lobby bag 20, bottles put back 2.4-5.6; edges of a drifting view (lane marks) mostly 1.4-1.8.
 */
export const DEFAULT_ADDED_EDGE_RATIO = 2;
/** Same surface when frame and background correlate this well inside the blob (a shadow keeps the paving's pattern). */
export const DEFAULT_LIGHTING_CORRELATION = 0.7;
/** The background inside the blob must vary at least this much (grey std-dev) for the correlation to mean anything. */
export const DEFAULT_MIN_TEXTURE_STD = 4;

/**
 * Connected groups of set pixels in `mask`, bridging gaps of one pixel (two set pixels up to 2 apart in x
 * and y are joined): the fast model absorbs a bag's flat middle and its outline at slightly different
 * times, and one object must not come out as three. Groups smaller than `minPixels` are dropped.
 */
export function labelBlobs(mask: Uint8Array, width: number, height: number, minPixels = 1): PixelBlob[] {
  const seen = new Uint8Array(width * height);
  const blobs: PixelBlob[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    const blob: PixelBlob = { pixels: [], x1: width, y1: height, x2: -1, y2: -1 };
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i - x) / width;
      blob.pixels.push(i);
      if (x < blob.x1) blob.x1 = x;
      if (x > blob.x2) blob.x2 = x;
      if (y < blob.y1) blob.y1 = y;
      if (y > blob.y2) blob.y2 = y;
      for (let dy = -2; dy <= 2; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -2; dx <= 2; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (mask[j] && !seen[j]) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
    }
    if (blob.pixels.length >= minPixels) blobs.push(blob);
  }
  return blobs;
}

/**
 * What a blob of static pixels is, from the frame (`current`) and the background it differs from
 * (`background`, already multiplied by the light gain), both `width` wide.
 */
export function classifyBlob(
  blob: PixelBlob,
  current: Float32Array,
  background: Float32Array,
  width: number,
  height: number,
  gain = 1,
): BlobVerdict {
  const inBlob = new Set(blob.pixels);
  let edgeNow = 0;
  let edgeBefore = 0;
  let sc = 0;
  let sb = 0;
  let scc = 0;
  let sbb = 0;
  let scb = 0;
  for (const i of blob.pixels) {
    const c = current[i]!;
    const b = gain * background[i]!;
    sc += c;
    sb += b;
    scc += c * c;
    sbb += b * b;
    scb += c * b;
    const x = i % width;
    const y = (i - x) / width;
    if (x < 1 || y < 1 || x >= width - 1 || y >= height - 1) continue;
    // The outline: blob pixels with a 4-neighbour outside the blob.
    if (inBlob.has(i - 1) && inBlob.has(i + 1) && inBlob.has(i - width) && inBlob.has(i + width)) continue;
    edgeNow += Math.abs(current[i + 1]! - current[i - 1]!) + Math.abs(current[i + width]! - current[i - width]!);
    edgeBefore += gain * (Math.abs(background[i + 1]! - background[i - 1]!) + Math.abs(background[i + width]! - background[i - width]!));
  }
  const n = blob.pixels.length;
  const varB = sbb / n - (sb / n) ** 2;
  const varC = scc / n - (sc / n) ** 2;
  const cov = scb / n - (sc / n) * (sb / n);
  const textured = varB >= DEFAULT_MIN_TEXTURE_STD ** 2 && varC > 1e-6;
  const textureCorrelation = textured ? cov / Math.sqrt(varB * varC) : NaN;
  const edgeRatio = (edgeNow + 1) / (edgeBefore + 1);
  let kind: BlobKind = 'unclear';
  if (textured && textureCorrelation >= DEFAULT_LIGHTING_CORRELATION) kind = 'lighting';
  else if (edgeRatio >= DEFAULT_ADDED_EDGE_RATIO) kind = 'added';
  else if (edgeRatio <= 1 / DEFAULT_ADDED_EDGE_RATIO) kind = 'removed';
  return { kind, edgeRatio, textureCorrelation };
}
