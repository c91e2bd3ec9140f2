import { rephase } from './hit.js';
import type { RuleHit } from './types.js';

/**
 * A track that has not been reported for this long has left (ms): the tracker keeps a lost track
 * 1.5 s by default (tracking.maxLostSeconds), so 3 s is past any id that could still come back.
 */
export const DEFAULT_TRACK_GONE_MS = 3_000;

interface Episode {
  /** The latest start/update hit: an `end` repeats it with the end time. */
  last: RuleHit;
  sinceMs: number;
  lastSeenMs: number;
}

/**
 * The episodes (open incidents) of one rule, by key: builds the start/update/end hits so every rule
 * reports them the same way, and ends episodes whose object has vanished or when the rule goes off
 * schedule. Pure bookkeeping; the rule decides when an episode starts and ends.
 */
export class Episodes {
  private readonly open = new Map<string, Episode>();

  has(key: string): boolean {
    return this.open.has(key);
  }

  get size(): number {
    return this.open.size;
  }

  /** Opens an episode; `sinceMs` is when its condition began (for its duration). */
  start(key: string, hit: RuleHit, sinceMs: number): RuleHit {
    const out: RuleHit = { ...hit, key, phase: 'start', durationSeconds: seconds(hit.tMs - sinceMs) };
    this.open.set(key, { last: out, sinceMs, lastSeenMs: hit.tMs });
    return out;
  }

  /** Refreshes an open episode with its newest hit; undefined if the key is not open. */
  update(key: string, hit: RuleHit): RuleHit | undefined {
    const ep = this.open.get(key);
    if (ep === undefined) return undefined;
    const out: RuleHit = { ...hit, key, phase: 'update', durationSeconds: seconds(hit.tMs - ep.sinceMs) };
    ep.last = out;
    ep.lastSeenMs = hit.tMs;
    return out;
  }

  /** Marks the episode's object as seen now without reporting anything (e.g. while it clears). */
  touch(key: string, tMs: number): void {
    const ep = this.open.get(key);
    if (ep !== undefined) ep.lastSeenMs = tMs;
  }

  /** Ends an episode: its last hit again, as `end` at `tMs`. Undefined if the key is not open. */
  end(key: string, tMs: number): RuleHit | undefined {
    const ep = this.open.get(key);
    if (ep === undefined) return undefined;
    this.open.delete(key);
    // The condition held until its last start/update, not until the rule noticed it had stopped.
    return rephase(ep.last, 'end', tMs, seconds(ep.last.tMs - ep.sinceMs));
  }

  /** Ends every episode whose object has not been seen for `goneMs`. */
  endGone(tMs: number, goneMs: number): RuleHit[] {
    const out: RuleHit[] = [];
    for (const [key, ep] of this.open) {
      if (tMs - ep.lastSeenMs > goneMs) out.push(this.end(key, tMs)!);
    }
    return out;
  }

  /** Ends every open episode (schedule went off, rule rebuilt). */
  endAll(tMs: number): RuleHit[] {
    return [...this.open.keys()].map((key) => this.end(key, tMs)!);
  }
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms) / 1000);
}
