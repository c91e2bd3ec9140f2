/**
 * Which outbox rows may be published next over one connection: oldest first, at most `limit` awaiting
 * PUBACK. No I/O: the uplink asks `nextAfter()` / `room()`, reports `sent()` and `acked()`, and drops the
 * window on disconnect, so the next connection restarts from the first row not yet acknowledged.
 */
export class DrainWindow {
  private readonly inflight = new Set<number>();
  /** Highest seq handed out on this connection; rows after it are fetched next. */
  private cursor = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`in-flight limit must be a positive integer, got ${limit}`);
  }

  /** How many more rows may be published now. */
  room(): number {
    return this.limit - this.inflight.size;
  }

  /** Fetch rows with seq greater than this. */
  nextAfter(): number {
    return this.cursor;
  }

  /** A row was handed to the client. Rows must be handed out in increasing seq order. */
  sent(seq: number): void {
    if (seq <= this.cursor) throw new Error(`outbox row ${seq} published out of order (after ${this.cursor})`);
    this.cursor = seq;
    this.inflight.add(seq);
  }

  /** The broker acknowledged a row; false when it was not in flight on this window (a stale ack). */
  acked(seq: number): boolean {
    return this.inflight.delete(seq);
  }

  inflightCount(): number {
    return this.inflight.size;
  }
}
