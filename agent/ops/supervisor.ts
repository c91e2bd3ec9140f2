import type { Logger } from '../core/index.js';
import { DEFAULT_COMPONENT_STOP_DEADLINE_MS, type Component } from './component.js';
import { restartOrder, startOrder } from './component-order.js';

/** How one component's stop went. */
export interface StopOutcome {
  name: string;
  result: 'stopped' | 'failed' | 'timeout';
  ms: number;
}

/**
 * Starts components in dependency order and stops them in reverse, each within its deadline; one that fails
 * or hangs is logged by name and the others are still stopped. The order itself is pure (component-order.ts).
 */
export class Supervisor {
  private readonly byName = new Map<string, Component>();
  private readonly order: string[];
  /** Started, or starting: a start that failed half-way may hold half its resources, so it is stopped too. */
  private readonly running = new Set<string>();
  private readonly abort = new AbortController();
  private starting?: Promise<void>;
  private stopping?: Promise<StopOutcome[]>;

  constructor(
    private readonly components: readonly Component[],
    private readonly log: Logger,
  ) {
    this.order = startOrder(components);
    for (const c of components) this.byName.set(c.name, c);
  }

  /** Aborted once stop() is called: a start still in progress gives up. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Starts every component in order; rejects with the first failure (logged with the component's name). */
  start(): Promise<void> {
    this.starting ??= (async () => {
      for (const name of this.order) {
        if (this.abort.signal.aborted) return;
        await this.startOne(name);
      }
    })();
    return this.starting;
  }

  /**
   * Idempotent: aborts `signal`, lets a start in progress (and `settled`, e.g. a reload) settle, then stops
   * what was started, in reverse order.
   */
  stop(settled: Promise<unknown> = Promise.resolve()): Promise<StopOutcome[]> {
    this.abort.abort();
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      await settled.catch(() => undefined);
      return this.stopEach([...this.order].reverse());
    })();
    return this.stopping;
  }

  /**
   * Restarts the named components (a reload): stopped in reverse order, then started in order. A start that
   * fails rejects, as at boot; the components not named keep running.
   */
  async restart(names: readonly string[]): Promise<void> {
    const order = restartOrder(this.components, names);
    await this.stopEach([...order].reverse());
    for (const name of order) {
      if (this.abort.signal.aborted) return;
      await this.startOne(name);
    }
  }

  private async startOne(name: string): Promise<void> {
    this.running.add(name);
    try {
      await this.byName.get(name)!.start(this.abort.signal);
    } catch (err) {
      this.log.error({ err, componentName: name }, `${name} failed to start`);
      throw err;
    }
  }

  private async stopEach(names: readonly string[]): Promise<StopOutcome[]> {
    const out: StopOutcome[] = [];
    for (const name of names) if (this.running.has(name)) out.push(await this.stopOne(name));
    return out;
  }

  private async stopOne(name: string): Promise<StopOutcome> {
    const component = this.byName.get(name)!;
    this.running.delete(name);
    const deadlineMs = component.stopDeadlineMs ?? DEFAULT_COMPONENT_STOP_DEADLINE_MS;
    const startedAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), deadlineMs);
    });
    try {
      const result = await Promise.race([Promise.resolve().then(() => component.stop()).then(() => 'stopped' as const), timeout]);
      if (result === 'timeout') this.log.error({ componentName: name, deadlineMs }, `${name} did not stop within ${deadlineMs} ms; stopping the others`);
      return { name, result, ms: Date.now() - startedAt };
    } catch (err) {
      this.log.error({ err, componentName: name }, `${name} failed to stop; stopping the others`);
      return { name, result: 'failed', ms: Date.now() - startedAt };
    } finally {
      clearTimeout(timer);
    }
  }
}
