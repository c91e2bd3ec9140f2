/**
 * An object's stay in a zone, tolerant of jitter at the edge: an exit shorter than `exitToleranceMs`
 * does not end the stay. Measured from the first outside sighting to the next inside sighting (or to the
 * latest outside sighting): the time the object was seen to be out, not the time it was hidden.
 */
export class ZoneStay {
  /** Start of the current stay; undefined when outside. */
  enteredAtMs?: number;
  /** First outside sighting since the object was last seen inside. */
  private outsideSinceMs?: number;
  /** Time of the latest inside sighting. */
  lastInsideMs?: number;

  constructor(private readonly exitToleranceMs: number) {}

  /** Feeds one sighting; returns true when this sighting began a new stay. */
  step(inside: boolean, tMs: number): boolean {
    if (inside) {
      const outFor = this.outsideSinceMs === undefined ? 0 : tMs - this.outsideSinceMs;
      let began = false;
      if (this.enteredAtMs === undefined || outFor >= this.exitToleranceMs) {
        this.enteredAtMs = tMs;
        began = true;
      }
      this.outsideSinceMs = undefined;
      this.lastInsideMs = tMs;
      return began;
    }
    if (this.enteredAtMs === undefined) return false;
    this.outsideSinceMs ??= tMs;
    if (tMs - this.outsideSinceMs >= this.exitToleranceMs) {
      this.enteredAtMs = undefined;
      this.outsideSinceMs = undefined;
    }
    return false;
  }

  /** Whether the object is in a stay (inside, or out for less than the tolerance). */
  get staying(): boolean {
    return this.enteredAtMs !== undefined;
  }
}
