import { RetryableError } from '../connectors/step-errors.js';

export interface RetryPolicy {
  /** The first delay. */
  baseMs: number;
  /** No exponential delay exceeds this; a longer Retry-After is still honoured. */
  maxMs: number;
}

/**
 * Delay before the next attempt, after `failures` failed attempts: exponential from `baseMs`,
 * capped at `maxMs`, with ±20% jitter so a burst of failures does not come back in step, and
 * never sooner than a Retry-After the system asked for.
 */
export function retryDelay(failures: number, policy: RetryPolicy, err?: unknown, random: () => number = Math.random): number {
  const exponential = Math.min(policy.baseMs * 2 ** Math.max(0, failures - 1), policy.maxMs);
  const jittered = Math.round(exponential * (0.8 + 0.4 * random()));
  const asked = err instanceof RetryableError ? (err.retryAfterMs ?? 0) : 0;
  return Math.max(jittered, asked);
}
