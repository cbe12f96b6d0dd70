import type { ScimFaultRule } from './scim-types.js';

interface ActiveRule {
  rule: ScimFaultRule;
  remaining: number;
}

/** Injected SCIM faults: the first rule matching a request (method and path) applies, `times` times. */
export class ScimFaults {
  private rules: ActiveRule[] = [];

  inject(rule: ScimFaultRule): void {
    if (rule.status === undefined && !(rule.delayMs !== undefined && rule.delayMs > 0)) {
      throw new Error('a SCIM fault needs a status, a delayMs > 0, or both');
    }
    if (rule.retryAfter !== undefined && rule.status !== 429 && rule.status !== 503) {
      throw new Error('retryAfter goes with status 429 or 503');
    }
    if (rule.afterApply && !(rule.status !== undefined && rule.status >= 500)) throw new Error('afterApply goes with a 5xx status');
    const times = rule.times ?? Infinity;
    if (!(times >= 0)) throw new Error('times must be >= 0');
    this.rules.push({ rule: { ...rule }, remaining: times });
  }

  clear(): void {
    this.rules = [];
  }

  /** Consumes one use of the first matching rule. */
  take(method: string, path: string): ScimFaultRule | undefined {
    const active = this.rules.find(
      (a) =>
        a.remaining > 0 &&
        (a.rule.method === undefined || a.rule.method.toUpperCase() === method.toUpperCase()) &&
        (a.rule.path === undefined || path.includes(a.rule.path)),
    );
    if (!active) return undefined;
    active.remaining -= 1;
    return active.rule;
  }
}

export function retryAfterHeader(value: number | Date): string {
  return value instanceof Date ? value.toUTCString() : String(value);
}
