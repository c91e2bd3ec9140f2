import type { SourceStateChange } from '../frames/types.js';

export interface UplinkStats {
  connected: boolean;
  published: number;
  pending: number;
  lastError?: string;
}

/** Publishes the store's outbox upstream, at least once and in order. */
export interface Uplink {
  start(): Promise<void>;
  /** Wakes the drain loop: new outbox rows exist. */
  notify(): void;
  publishCameraState(change: SourceStateChange): void;
  stats(): UplinkStats;
  stop(): Promise<void>;
}
