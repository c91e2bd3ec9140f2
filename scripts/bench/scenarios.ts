/**
 * The bench's scenarios by name, as `--only` takes them: each name is the scenario's key in the JSON report
 * (`workloads` also fills `capacity`, `ratio` also fills `raw`). Scenarios not run are null in the JSON.
 */
export const SCENARIOS = ['workloads', 'memory', 'ratio', 'motionGating', 'threads', 'decode', 'store', 'staticObjects', 'privacy', 'clips', 'quality'] as const;

export type Scenario = (typeof SCENARIOS)[number];

/** The scenario files' names, accepted too (`--only motion,static-objects`). */
const FILE_NAMES: Record<string, Scenario> = { motion: 'motionGating', 'static-objects': 'staticObjects', 'store-bench': 'store' };

/**
 * `--only a,b`: the scenarios to run, in the bench's order; every scenario without `--only`. Throws naming the
 * unknown name and the valid ones.
 */
export function parseOnly(only: string | undefined): Set<Scenario> {
  if (only === undefined) return new Set(SCENARIOS);
  const names = only.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new Error(`--only ${JSON.stringify(only)}: name at least one scenario (${SCENARIOS.join(', ')})`);
  const chosen = new Set<Scenario>();
  for (const name of names) {
    const scenario = (SCENARIOS as readonly string[]).includes(name) ? (name as Scenario) : FILE_NAMES[name];
    if (scenario === undefined) throw new Error(`--only: unknown scenario "${name}"; choose among ${SCENARIOS.join(', ')}`);
    chosen.add(scenario);
  }
  return new Set(SCENARIOS.filter((s) => chosen.has(s)));
}
