import { RetryableError } from '../connectors/step-errors.js';

/**
 * Delay before the next attempt, after `failures` failed attempts: exponential from `baseMs`
 * with ±20% jitter, and never sooner than a Retry-After the system asked for.
 */
export function retryDelay(failures: number, baseMs: number, err?: unknown, random: () => number = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, failures - 1);
  const jittered = Math.round(exponential * (0.8 + 0.4 * random()));
  const asked = err instanceof RetryableError ? (err.retryAfterMs ?? 0) : 0;
  return Math.max(jittered, asked);
}
