/**
 * Waits on a condition instead of a fixed sleep: polls `check` every 100 ms until it returns a value (not
 * undefined) and resolves with it; rejects naming `what` after `timeoutMs`.
 */
export function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = check();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}
