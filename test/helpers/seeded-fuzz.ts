/**
 * A small seeded fuzzer for parsers of what cameras send: reproducible (a fixed seed, overridable with
 * CAMWATCH_FUZZ_SEED to explore), bounded in time, and with the few mutations that find parser bugs
 * (truncation, insertion, duplication, deletion, random bytes). No dependency: the inputs are ours.
 */

/** The seed used unless CAMWATCH_FUZZ_SEED is set (a failing seed is printed in the assertion). */
export const DEFAULT_FUZZ_SEED = 20_261_207;

/** mulberry32: fast, 32-bit state, good enough to spread inputs (not for cryptography). */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** `length` random bytes read as a string (latin1: every byte value appears, NUL and controls included). */
  bytes(length: number): string {
    const buf = Buffer.alloc(length);
    for (let i = 0; i < length; i++) buf[i] = this.int(256);
    return buf.toString(this.chance(0.5) ? 'latin1' : 'utf8');
  }

  /** A string of `length` characters drawn from `alphabet`. */
  text(length: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** One random edit of `input`: truncate, insert, delete, duplicate a slice, or swap two slices. */
  mutate(input: string, pieces: readonly string[] = []): string {
    const at = this.int(input.length + 1);
    switch (this.int(6)) {
      case 0:
        return input.slice(0, at);
      case 1:
        return input.slice(0, at) + (pieces.length > 0 && this.chance(0.6) ? this.pick(pieces) : this.bytes(1 + this.int(8))) + input.slice(at);
      case 2:
        return input.slice(0, at) + input.slice(at + 1 + this.int(32));
      case 3: {
        const slice = input.slice(at, at + 1 + this.int(64));
        return input.slice(0, at) + slice.repeat(1 + this.int(20)) + input.slice(at);
      }
      case 4: {
        const other = this.int(input.length + 1);
        const [a, b] = at < other ? [at, other] : [other, at];
        const mid = a + this.int(b - a + 1);
        return input.slice(0, a) + input.slice(mid, b) + input.slice(a, mid) + input.slice(b);
      }
      default:
        return input.slice(0, at) + this.pick(['<', '>', '&', ';', '"', "'", '/', '\0', '\uFFFF', '\uD800', ' ']) + input.slice(at);
    }
  }
}

export interface FuzzReport {
  seed: number;
  iterations: number;
  /** The slowest single case (ms): a parser that backtracks or loops shows here long before a timeout. */
  slowestMs: number;
  slowestInput: string;
}

/** The seed for this run. */
export function fuzzSeed(): number {
  const env = process.env.CAMWATCH_FUZZ_SEED;
  return env === undefined || env === '' ? DEFAULT_FUZZ_SEED : Number(env);
}

/**
 * Runs `check(rng)` until `budgetMs` has passed or `maxIterations` ran; `check` returns the input it
 * tried (for the report). Exceptions propagate with the seed and iteration in the message.
 */
export function fuzz(budgetMs: number, maxIterations: number, check: (rng: Rng) => string, seed = fuzzSeed()): FuzzReport {
  const rng = new Rng(seed);
  const started = performance.now();
  const report: FuzzReport = { seed, iterations: 0, slowestMs: 0, slowestInput: '' };
  while (report.iterations < maxIterations && performance.now() - started < budgetMs) {
    const t0 = performance.now();
    let input: string;
    try {
      input = check(rng);
    } catch (err) {
      (err as Error).message = `[fuzz seed ${seed}, iteration ${report.iterations}] ${(err as Error).message}`;
      throw err;
    }
    const ms = performance.now() - t0;
    if (ms > report.slowestMs) Object.assign(report, { slowestMs: ms, slowestInput: input.slice(0, 200) });
    report.iterations++;
  }
  return report;
}
