import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../src/connectors/step-errors.js';
import { retryDelay } from '../../src/runs/retry-delay.js';

/** A policy whose cap is never reached, for the cases about the exponential itself. */
const uncapped = (baseMs: number) => ({ baseMs, maxMs: Number.MAX_SAFE_INTEGER });

const noJitter = () => 0.5; // factor 0.8 + 0.4 * 0.5 = 1

/** A deterministic stand-in for Math.random. */
function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('retryDelay', () => {
  it('doubles with every failure, starting at the base delay', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelay(n, uncapped(200), undefined, noJitter))).toEqual([200, 400, 800, 1600, 3200]);
  });

  it('never exceeds the cap, however many failures came before', () => {
    const policy = { baseMs: 1000, maxMs: 30_000 };
    expect([1, 5, 6, 10, 40].map((n) => retryDelay(n, policy, undefined, noJitter))).toEqual([1000, 16_000, 30_000, 30_000, 30_000]);
    expect(retryDelay(40, policy, undefined, () => 0.999999)).toBeLessThanOrEqual(36_000);
  });

  it('honours a Retry-After longer than the cap', () => {
    expect(retryDelay(1, { baseMs: 1000, maxMs: 5000 }, new RetryableError('429', 60_000), noJitter)).toBe(60_000);
  });

  it('treats "no failure yet" like the first failure', () => {
    expect(retryDelay(0, uncapped(200), undefined, noJitter)).toBe(200);
  });

  it('jitters by at most ±20%', () => {
    expect(retryDelay(3, uncapped(1000), undefined, () => 0)).toBe(3200);
    expect(retryDelay(3, uncapped(1000), undefined, () => 0.999999)).toBe(4800);
    const random = seeded(42);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const d = retryDelay(2, uncapped(500), undefined, random);
      expect(d).toBeGreaterThanOrEqual(800);
      expect(d).toBeLessThanOrEqual(1200);
      expect(Number.isInteger(d)).toBe(true);
      seen.add(d);
    }
    expect(seen.size).toBeGreaterThan(50); // it does spread the retries
  });

  it('with Math.random by default, stays within the bounds', () => {
    for (let i = 0; i < 200; i++) {
      const d = retryDelay(1, uncapped(2000));
      expect(d).toBeGreaterThanOrEqual(1600);
      expect(d).toBeLessThanOrEqual(2400);
    }
  });

  it('never retries sooner than a Retry-After the system asked for', () => {
    const asked = new RetryableError('rate limited', 5000);
    for (const r of [0, 0.5, 0.999999]) expect(retryDelay(1, uncapped(200), asked, () => r)).toBe(5000);
  });

  it('keeps its own backoff when that is already longer than Retry-After', () => {
    expect(retryDelay(4, uncapped(1000), new RetryableError('rate limited', 1000), noJitter)).toBe(8000);
  });

  it('ignores a Retry-After of zero and errors that carry none', () => {
    expect(retryDelay(1, uncapped(200), new RetryableError('x', 0), noJitter)).toBe(200);
    expect(retryDelay(1, uncapped(200), new RetryableError('x'), noJitter)).toBe(200);
    expect(retryDelay(1, uncapped(200), new PermanentError('x'), noJitter)).toBe(200);
    expect(retryDelay(1, uncapped(200), new Error('x'), noJitter)).toBe(200);
  });
});
