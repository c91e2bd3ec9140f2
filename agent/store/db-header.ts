import { isPageSize } from './wal-file.js';

/**
 * The 100-byte SQLite database header (https://www.sqlite.org/fileformat2.html#the_database_header):
 * checked before SQLite opens the file, so a garbled or truncated store gets a clear diagnosis instead of
 * "file is not a database", and rebuilt on a copy when recovering. Pure.
 */

export const DB_HEADER_BYTES = 100;
const MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');
/** Written into a rebuilt header (SQLITE_VERSION_NUMBER field): informational only. */
const REBUILT_BY_VERSION = 3_053_000;

/** A header's fields that matter here, and what is wrong with it. */
export interface HeaderReport {
  /** Undefined when the header is unusable (see problem). */
  pageSize?: number;
  /** Pages the header says the file has (only when its change counter vouches for it). */
  pageCount?: number;
  /** `PRAGMA user_version`: the store's schema version. */
  userVersion?: number;
  /** Why the header (or the file size) is wrong; undefined when it is fine. */
  problem?: string;
}

/** Checks a header against the file's size. `walFrames`: a WAL with frames may legitimately hold pages past the end. */
export function inspectHeader(header: Buffer, fileBytes: number, walFrames = 0): HeaderReport {
  if (fileBytes === 0) return {};
  if (header.length < DB_HEADER_BYTES) return { problem: `the file is ${fileBytes} bytes, shorter than a SQLite header (100 bytes)` };
  if (!header.subarray(0, 16).equals(MAGIC)) return { problem: 'the file does not start with the SQLite header ("SQLite format 3"): its first bytes were overwritten' };
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (!isPageSize(pageSize)) return { problem: `the header's page size (${raw}) is not a power of two between 512 and 65536: the header is damaged` };
  if (header[21] !== 64 || header[22] !== 32 || header[23] !== 32) return { pageSize, problem: 'the header\'s payload fractions are not 64/32/32: the header is damaged' };
  const userVersion = header.readUInt32BE(60);
  // The in-header size is only valid when "version-valid-for" equals the change counter (file format spec).
  const vouched = header.readUInt32BE(92) === header.readUInt32BE(24);
  const pageCount = vouched ? header.readUInt32BE(28) : undefined;
  if (fileBytes % pageSize !== 0) {
    return { pageSize, userVersion, problem: `the file size (${fileBytes} bytes) is not a whole number of ${pageSize}-byte pages: it was truncated or appended to` };
  }
  if (pageCount !== undefined && walFrames === 0 && fileBytes < pageCount * pageSize) {
    return { pageSize, pageCount, userVersion, problem: `the file has ${fileBytes / pageSize} pages but its header says ${pageCount}: it was truncated` };
  }
  return { pageSize, userVersion, ...(pageCount === undefined ? {} : { pageCount }) };
}

/**
 * A header for a copy of a store whose own header is garbled: the page size given (the old header's, or
 * guessed from the pages), WAL mode when a WAL comes with it, an empty freelist (it is only needed for
 * writing) and `userVersion` as the schema version. Page 1 past byte 100 (the schema table) is kept as is.
 */
export function rebuiltHeader(options: { pageSize: number; pageCount: number; wal: boolean; userVersion: number }): Buffer {
  const h = Buffer.alloc(DB_HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt16BE(options.pageSize === 65536 ? 1 : options.pageSize, 16);
  h[18] = options.wal ? 2 : 1;
  h[19] = options.wal ? 2 : 1;
  h[20] = 0;
  h[21] = 64;
  h[22] = 32;
  h[23] = 32;
  h.writeUInt32BE(1, 24); // change counter
  h.writeUInt32BE(options.pageCount, 28);
  h.writeUInt32BE(1, 40); // schema cookie
  h.writeUInt32BE(4, 44); // schema format
  h.writeUInt32BE(1, 56); // UTF-8
  h.writeUInt32BE(options.userVersion, 60);
  h.writeUInt32BE(1, 92); // version-valid-for = change counter: the page count above is to be trusted
  h.writeUInt32BE(REBUILT_BY_VERSION, 96);
  return h;
}

/** B-tree page type bytes (interior/leaf, index/table). */
const BTREE_PAGE_TYPES = new Set([0x02, 0x05, 0x0a, 0x0d]);

/**
 * The page size a headerless file most likely has: the candidate under which the most of the first pages
 * start with a b-tree page type byte. `pageStart(offset)` reads one byte of the file. SQLite's default (4096) wins ties.
 */
export function guessPageSize(fileBytes: number, byteAt: (offset: number) => number | undefined): number {
  const candidates = [4096, 1024, 2048, 8192, 16384, 32768, 65536, 512];
  let best = 4096;
  let bestScore = -1;
  for (const size of candidates) {
    if (fileBytes % size !== 0 || fileBytes < 2 * size) continue;
    let score = 0;
    for (let page = 2; page <= Math.min(64, fileBytes / size); page++) {
      const b = byteAt((page - 1) * size);
      if (b !== undefined && BTREE_PAGE_TYPES.has(b)) score += 1;
    }
    if (score > bestScore) {
      best = size;
      bestScore = score;
    }
  }
  return best;
}
