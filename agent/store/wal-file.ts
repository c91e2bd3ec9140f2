/**
 * Reading a SQLite write-ahead log the way SQLite does (https://www.sqlite.org/fileformat2.html#walformat),
 * to find out what it would silently drop. SQLite applies WAL frames up to the first one whose salts or
 * checksum do not match and ignores everything after it: after a torn write at a power cut that is right
 * (the last transaction never finished), but a WAL damaged in the middle loses every transaction after the
 * damage, committed or not, and SQLite says nothing. Pure: bytes in, report out.
 */

/** The 32-byte WAL header and 24-byte frame header sizes (file format, fixed). */
const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
const WAL_MAGIC_LE = 0x377f0682;
const WAL_MAGIC_BE = 0x377f0683;

/** What SQLite will apply from a WAL, and what lies after that it will not. */
export interface WalReport {
  /** WAL file size (bytes). */
  bytes: number;
  pageSize: number;
  /** Magic, version and header checksum are right. */
  headerValid: boolean;
  /** Complete frames in the file (any generation). */
  frames: number;
  /** Frames SQLite applies: up to the last commit frame before the first frame it rejects. */
  appliedFrames: number;
  appliedTransactions: number;
  /**
   * Complete transactions of the current WAL generation after the first rejected frame whose commit frame
   * is intact (its checksum chains from the frame before it). SQLite writes a transaction only after the
   * previous one, so an intact later commit means the rejected frame was damaged after it was written,
   * not torn by a power cut: committed data is lost unless the file is recovered.
   */
  lostTransactions: number;
  /** Byte offset of the first rejected frame of the current generation, when there is one. */
  firstBadFrameOffset?: number;
}

/** True when SQLite would drop committed transactions from this WAL (see WalReport.lostTransactions). */
export function walDamaged(report: WalReport): boolean {
  return report.lostTransactions > 0;
}

/**
 * Analyses a WAL. `fallbackPageSize` (the database header's) is used when the WAL header is unreadable.
 * A WAL shorter than its header holds nothing and reports no frames.
 */
export function inspectWal(wal: Buffer, fallbackPageSize: number): WalReport {
  const empty: WalReport = { bytes: wal.length, pageSize: fallbackPageSize, headerValid: false, frames: 0, appliedFrames: 0, appliedTransactions: 0, lostTransactions: 0 };
  if (wal.length < WAL_HEADER_BYTES) return empty;
  const magic = wal.readUInt32BE(0);
  const headerPageSize = wal.readUInt32BE(8);
  const knownMagic = magic === WAL_MAGIC_LE || magic === WAL_MAGIC_BE;
  const pageSize = isPageSize(headerPageSize) ? headerPageSize : fallbackPageSize;
  if (!isPageSize(pageSize)) return empty;
  const frameBytes = FRAME_HEADER_BYTES + pageSize;
  const frames = Math.floor((wal.length - WAL_HEADER_BYTES) / frameBytes);
  const frameAt = (k: number) => WAL_HEADER_BYTES + k * frameBytes;
  // The writer's byte order picks the checksum's word order; with a garbled header, try both.
  const orders: boolean[] = knownMagic ? [magic === WAL_MAGIC_BE] : [false, true];

  let best: WalReport | undefined;
  for (const bigEndian of orders) {
    const headerSum = checksum(wal, 0, 24, [0, 0], bigEndian);
    const headerValid = knownMagic && wal.readUInt32BE(4) === 3007000 && isPageSize(headerPageSize) && headerSum[0] === wal.readUInt32BE(24) && headerSum[1] === wal.readUInt32BE(28);
    // The current generation's salts: the header's, or (header garbled) the first frame's.
    const saltOffset = headerValid ? 16 : frames > 0 ? frameAt(0) + 8 : -1;
    if (saltOffset < 0) continue;
    const salt1 = wal.readUInt32BE(saltOffset);
    const salt2 = wal.readUInt32BE(saltOffset + 4);
    const ours = (k: number) => wal.readUInt32BE(frameAt(k) + 8) === salt1 && wal.readUInt32BE(frameAt(k) + 12) === salt2 && wal.readUInt32BE(frameAt(k)) !== 0;
    const isCommit = (k: number) => wal.readUInt32BE(frameAt(k) + 4) !== 0;
    /** Frame k's checksum chained from `seed` (the previous frame's stored checksum, or the header's). */
    const chains = (k: number, seed: [number, number]) => {
      const at = frameAt(k);
      const partial = checksum(wal, at, 8, seed, bigEndian);
      const sum = checksum(wal, at + FRAME_HEADER_BYTES, pageSize, partial, bigEndian);
      return sum[0] === wal.readUInt32BE(at + 16) && sum[1] === wal.readUInt32BE(at + 20);
    };
    const storedSum = (k: number): [number, number] => (k < 0 ? [wal.readUInt32BE(24), wal.readUInt32BE(28)] : [wal.readUInt32BE(frameAt(k) + 16), wal.readUInt32BE(frameAt(k) + 20)]);

    // What SQLite applies: a valid header, then frames while salts and the running checksum match.
    let applied = 0;
    let appliedTransactions = 0;
    let firstBad = headerValid ? frames : 0;
    if (headerValid) {
      let running = headerSum;
      for (let k = 0; k < frames; k++) {
        if (!ours(k) || !chains(k, running)) {
          firstBad = k;
          break;
        }
        running = storedSum(k);
        if (isCommit(k)) {
          applied = k + 1;
          appliedTransactions += 1;
        }
      }
    }
    // After it: commit frames of this generation that are intact relative to the frame before them.
    let lost = 0;
    for (let k = firstBad + 1; k < frames; k++) {
      if (ours(k) && isCommit(k) && chains(k, storedSum(k - 1))) lost += 1;
    }
    // A stale frame of an older generation is not damage: only a frame with our salts is "bad".
    const badIsOurs = firstBad < frames && (ours(firstBad) || !headerValid);
    const report: WalReport = {
      bytes: wal.length,
      pageSize,
      headerValid,
      frames,
      appliedFrames: applied,
      appliedTransactions,
      lostTransactions: lost,
      ...(badIsOurs || lost > 0 ? { firstBadFrameOffset: frameAt(firstBad) } : {}),
    };
    if (best === undefined || report.lostTransactions > best.lostTransactions || (report.headerValid && !best.headerValid)) best = report;
  }
  return best ?? { ...empty, pageSize, frames };
}

/** SQLite page sizes: powers of two from 512 to 65536. */
export function isPageSize(n: number): boolean {
  return n >= 512 && n <= 65536 && (n & (n - 1)) === 0;
}

/** SQLite's WAL checksum over `length` bytes (a multiple of 8) at `offset`, continuing from `seed`. */
function checksum(buf: Buffer, offset: number, length: number, seed: [number, number], bigEndian: boolean): [number, number] {
  let s0 = seed[0];
  let s1 = seed[1];
  for (let i = offset; i < offset + length; i += 8) {
    const x0 = bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}
