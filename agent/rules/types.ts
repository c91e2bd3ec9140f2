import type { Box } from '../detection/types.js';
import type { Track } from '../tracking/types.js';

export type Category = 'traffic' | 'sanitation' | 'security' | 'health';
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/** What a rule decided at one instant about one track: the input of the incident stage. */
export interface RuleHit {
  ruleId: string;
  ruleType: string;
  category: Category;
  severity: Severity;
  trackId: number;
  className: string;
  score: number;
  /** In analysis-frame pixels. */
  box: Box;
  tMs: number;
  zoneId?: string;
  lineId?: string;
  direction?: 'in' | 'out';
  /** Seconds the condition has held (e.g. dwell in a zone). */
  durationSeconds?: number;
  /** Running per-class counters of a line (line_crossing). */
  counts?: Record<string, { in: number; out: number }>;
}

/** One configured rule on one camera. Pure: state lives inside, time comes from the caller. */
export interface Rule {
  readonly id: string;
  readonly type: string;
  evaluate(tracks: readonly Track[], tMs: number): RuleHit[];
}
