/** The part of a component the order depends on. */
export interface Dependent {
  readonly name: string;
  readonly dependsOn?: readonly string[];
}

/**
 * Start order (pure): every component after those it depends on, otherwise in the order given, so the list
 * in the agent reads as its boot sequence. Stop order is its reverse. Throws on an unknown dependency, a
 * duplicate name or a circle, naming them: a wiring mistake must fail at start, not half-way through a stop.
 */
export function startOrder(components: readonly Dependent[]): string[] {
  const byName = new Map<string, Dependent>();
  for (const c of components) {
    if (byName.has(c.name)) throw new Error(`component "${c.name}" is declared twice`);
    byName.set(c.name, c);
  }
  for (const c of components) {
    for (const dep of c.dependsOn ?? []) {
      if (!byName.has(dep)) throw new Error(`component "${c.name}" depends on "${dep}", which is not a component (have: ${[...byName.keys()].join(', ')})`);
    }
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: Dependent, path: string[]): void => {
    const seen = state.get(c.name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new Error(`components depend on each other in a circle: ${[...path, c.name].join(' → ')}`);
    state.set(c.name, 'visiting');
    for (const dep of c.dependsOn ?? []) visit(byName.get(dep)!, [...path, c.name]);
    state.set(c.name, 'done');
    order.push(c.name);
  };
  for (const c of components) visit(c, []);
  return order;
}

/** Stop order (pure): the reverse of the start order. */
export function stopOrder(components: readonly Dependent[]): string[] {
  return startOrder(components).reverse();
}

/**
 * The components a restart touches, in start order (pure): `names` only, not what depends on them. Dependents
 * reach a restarted component through the agent at each call (`uplink?.notify()`), never by holding it.
 */
export function restartOrder(components: readonly Dependent[], names: readonly string[]): string[] {
  const known = new Set(components.map((c) => c.name));
  for (const n of names) if (!known.has(n)) throw new Error(`cannot restart "${n}": not a component`);
  const wanted = new Set(names);
  return startOrder(components).filter((n) => wanted.has(n));
}
