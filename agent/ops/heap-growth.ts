import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what a full collection left alive before marking it again:
 * 150 % (2.5x), fixed, instead of V8's factor computed from its collector's speed against the promotion rate.
 *
 * Why: at 8 cameras the main isolate keeps ~28 MB alive, and the agent promotes slowly against a fast
 * collector, so V8 chose 1.2-1.7x (`--trace-gc-verbose`). That leaves 23-32 MB of room, no more than the
 * 32 MB young generation, and V8 starts the next incremental marking as soon as the room left is within the
 * young generation's size: marking began again right after each full collection ("[IncrementalMarking]
 * Start (task): 28MB / 51MB / 23MB"), 42-112 full collections of the main heap in ~35 s, with their
 * concurrent marking on the helper threads. Measured (`profile.ts --cameras 8 --seconds 25
 * --node-arg=--trace-gc`, the compiled agent on the Saigon clip, four runs each alternating, 2026-12-07):
 * 15-19 full collections;
 * 32.3-36.7 ms of CPU per analysed frame instead of 36.8-39.6 (the main thread ~0.7 ms less, the other
 * threads, the collector's helpers among them, ~3 ms less); the agent's RSS 348-366 MB instead of 332-345
 * (the old generation fills further between collections; in the bench's memory scenario 228 vs 219-222 MB
 * at one camera, 289 vs 258-263 at four). CPU is what limits a box: the agent takes the memory. Set at run
 * time, not in NODE_OPTIONS: node refuses this V8 flag there.
 */
export const HEAP_GROWING_PERCENT = 150;

/**
 * Sets the growth for this process (every isolate: the detector workers too) unless node was started with
 * its own `--heap-growing-percent` (an operator's choice wins). Returns the percent in force, undefined when
 * the process chose its own.
 */
export function tuneHeapGrowth(execArgv: readonly string[] = process.execArgv): number | undefined {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a))) return undefined;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return HEAP_GROWING_PERCENT;
}
