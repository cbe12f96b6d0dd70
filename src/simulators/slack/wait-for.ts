import type { WaitForOptions } from './types.js';

/**
 * Polls `probe` until it returns a truthy value and resolves with it. A probe that throws counts as
 * "not yet" (so probes may index into state that does not exist yet); the last error is reported on timeout.
 */
export async function waitFor<T>(probe: () => T | undefined | false | null, opts: WaitForOptions = {}, describeState?: () => string): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const intervalMs = opts.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const parts = [`waitFor: condition not met within ${timeoutMs} ms`];
  if (lastError !== undefined) parts.push(`last probe error: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  if (describeState) parts.push(describeState());
  throw new Error(parts.join('; '));
}
