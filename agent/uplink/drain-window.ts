/**
 * Which outbox rows may be published next over one connection (pure bookkeeping, no I/O). Two lanes:
 * - `live`: rows stored after this connection started (seq above the connection's boundary), in seq order;
 * - `history`: the backlog (rows stored before it, and copies queued by resend), oldest first.
 * At most `limit` rows await PUBACK in all, so a 100k backlog never floods the broker; live rows are handed
 * out first, so a new incident overtakes the backlog instead of waiting behind it; and while history
 * waits, live rows may fill at most `limit - historyReserve` slots, so a burst of live incidents cannot
 * starve the backlog either. The uplink drops the window on disconnect, so the next connection restarts
 * from the first row not yet acknowledged, with a new boundary.
 */

export type Lane = 'live' | 'history';

/** Share of the window kept for the backlog while live rows are waiting too (at least one slot). */
export const DEFAULT_HISTORY_RESERVE_SHARE = 0.25;

export class DrainWindow {
  private readonly inflight = new Map<number, Lane>();
  private readonly inflightByLane: Record<Lane, number> = { live: 0, history: 0 };
  /** Highest seq handed out per lane on this connection; rows after it are fetched next. */
  private readonly cursor: Record<Lane, number> = { live: 0, history: 0 };
  /** Slots live rows leave to the backlog while it has rows. */
  readonly historyReserve: number;

  constructor(
    readonly limit: number,
    historyReserveShare = DEFAULT_HISTORY_RESERVE_SHARE,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`in-flight limit must be a positive integer, got ${limit}`);
    // With a window of 1 there is nothing to share: live goes first, history takes the slot when it is free.
    this.historyReserve = limit === 1 ? 0 : Math.max(1, Math.floor(limit * historyReserveShare));
  }

  /** How many more rows may be published now (both lanes). */
  room(): number {
    return this.limit - this.inflight.size;
  }

  /**
   * How many live rows to fetch now: all the room, less the slots kept for the backlog while it has rows
   * (`historyWaiting`) and is not already using them.
   */
  liveRoom(historyWaiting: boolean): number {
    if (!historyWaiting) return this.room();
    const liveCap = this.limit - this.historyReserve;
    return Math.max(0, Math.min(this.room(), liveCap - this.inflightByLane.live));
  }

  /** Fetch rows of `lane` with seq greater than this. */
  nextAfter(lane: Lane = 'history'): number {
    return this.cursor[lane];
  }

  /** A row was handed to the client. Within a lane, rows must be handed out in increasing seq order. */
  sent(seq: number, lane: Lane = 'history'): void {
    if (seq <= this.cursor[lane]) throw new Error(`outbox row ${seq} published out of order in the ${lane} lane (after ${this.cursor[lane]})`);
    this.cursor[lane] = seq;
    this.inflight.set(seq, lane);
    this.inflightByLane[lane] += 1;
  }

  /** The broker acknowledged a row; false when it was not in flight on this window (a stale ack). */
  acked(seq: number): boolean {
    const lane = this.inflight.get(seq);
    if (lane === undefined) return false;
    this.inflight.delete(seq);
    this.inflightByLane[lane] -= 1;
    return true;
  }

  inflightCount(lane?: Lane): number {
    return lane === undefined ? this.inflight.size : this.inflightByLane[lane];
  }
}
