import type { CountBinPayload, CountBinState } from './bins.js';

/**
 * Where a camera's counter keeps its bins: the store implements it (agent/store/count-bins.ts), so open bins
 * survive a restart and closed ones go out through the outbox like incidents.
 */
export interface CountBinSink {
  /** Writes the state of bins still open (one transaction); a kill -9 loses only what came after. */
  saveOpen(bins: readonly CountBinState[]): void;
  /** Closes bins and queues their payloads, in order, in one transaction; returns the rows queued (bins already closed are skipped). */
  close(closed: ReadonlyArray<{ state: CountBinState; payload: CountBinPayload }>): readonly unknown[];
  /** The open bins of a camera (to resume counting in). */
  openBins(cameraId: string): CountBinState[];
  /** The cameras that have open bins (a camera removed or disabled leaves its bins open, see orphan-bins.ts). */
  camerasWithOpenBins(): string[];
}
