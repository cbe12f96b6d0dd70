import type { FaultRule } from './types.js';

const MESSAGES: Record<FaultRule['status'], string> = {
  400: 'Bad request (injected fault).',
  401: 'The provided access token is invalid (injected fault).',
  403: 'You are not authorized to perform this action (injected fault).',
  409: 'The resource was modified concurrently; retry later (injected fault).',
  429: 'Rate limit exceeded. Too many requests (injected fault).',
  500: 'Internal server error (injected fault).',
  503: 'Service temporarily unavailable (injected fault).',
};

export interface FaultHit {
  status: FaultRule['status'];
  afterApply: boolean;
  message: string;
  retryAfterSeconds?: number;
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
  passing: number;
}

/** Injected faults: the first rule matching a request (method and path) fails it, `times` times. */
export class FaultInjector {
  private rules: ActiveRule[] = [];
  private readonly random: () => number;

  constructor(seed = 1) {
    // mulberry32: small, fast, and the same sequence for the same seed.
    let a = seed >>> 0;
    this.random = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  inject(rule: FaultRule): void {
    if (rule.retryAfterSeconds !== undefined && !(rule.retryAfterSeconds >= 1)) {
      throw new Error('retryAfterSeconds must be >= 1 (the SDK fails at once on Retry-After: 0).');
    }
    const times = rule.times ?? Infinity;
    if (!(times >= 0)) throw new Error('times must be >= 0');
    if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) throw new Error('rate must be between 0 and 1');
    const passing = rule.after ?? 0;
    if (!(Number.isInteger(passing) && passing >= 0)) throw new Error('after must be a whole number >= 0');
    this.rules.push({ rule: { ...rule }, remaining: times, passing });
  }

  clear(): void {
    this.rules = [];
  }

  /** Consumes one use of the first matching rule. */
  match(method: string, path: string, query?: URLSearchParams): FaultHit | undefined {
    for (const active of this.rules) {
      const { rule } = active;
      if (active.remaining <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      const pathMatches = typeof rule.path === 'string' ? path.includes(rule.path) : new RegExp(rule.path.source, rule.path.flags.replace('g', '')).test(path);
      if (!pathMatches) continue;
      if (rule.query && !Object.entries(rule.query).every(([name, value]) => query?.get(name) === value)) continue;
      if (active.passing > 0) {
        active.passing -= 1;
        continue;
      }
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      active.remaining -= 1;
      return {
        status: rule.status,
        afterApply: rule.afterApply ?? false,
        message: rule.echo ? `${MESSAGES[rule.status]} ${rule.echo}` : MESSAGES[rule.status],
        ...((rule.status === 429 || rule.status === 503) && rule.retryAfterSeconds !== undefined ? { retryAfterSeconds: rule.retryAfterSeconds } : {}),
      };
    }
    return undefined;
  }
}
