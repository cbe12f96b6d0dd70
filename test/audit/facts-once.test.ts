import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { verifyChain } from '../../src/audit/verify-chain.js';
import { Keys } from '../../src/redis.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await redis.quit();
});

const REQUEST = 'OFF-ONCE01';
const verified = { type: 'step.verified', stepId: 'ibm-cloud.acct.api-keys', checks: 1, firstConfirmedAt: '2026-01-01T00:00:00.000Z', elapsedMs: 0 } as const;
const fresh = () => new Keys(`t${randomUUID().slice(0, 8)}`);

/**
 * Redis as ioredis sees it when the connection drops after a script ran and before its answer came
 * back: ioredis sends the command again, and only the second answer arrives.
 */
function resendingEveryScript(client: Redis): Redis {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'evalsha' || prop === 'eval') {
        const run = (Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<unknown>).bind(target);
        return async (...args: unknown[]) => {
          await run(...args);
          return run(...args);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('a fact of the trail', () => {
  it('written by several executions at once is recorded once: the first writer wins, the others are told it exists', async () => {
    const keys = fresh();
    const trail = new AuditTrail(redis, keys);
    await trail.append(REQUEST, { type: 'step.started', stepId: verified.stepId, attempt: 1 });
    const results = await Promise.all(Array.from({ length: 6 }, () => trail.appendOnce(REQUEST, `r1:${verified.stepId}:ended`, verified)));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const entries = await trail.read(REQUEST);
    expect(entries.filter((e) => e.type === 'step.verified')).toHaveLength(1);
    // Another round's fact of the same step is a fact of its own.
    expect(await trail.appendOnce(REQUEST, `r2:${verified.stepId}:ended`, verified)).toBeDefined();
    const { entries: chain, head } = await trail.chain(REQUEST);
    expect(verifyChain(REQUEST, chain, head).intact).toBe(true);
  });

  it('is not recorded twice when the command is sent again after its answer was lost, and the chain still verifies', async () => {
    const keys = fresh();
    const trail = new AuditTrail(resendingEveryScript(redis), keys);
    await trail.append(REQUEST, { type: 'step.started', stepId: verified.stepId, attempt: 1 });
    const record = await trail.append(REQUEST, verified);
    const entries = await new AuditTrail(redis, keys).read(REQUEST);
    expect(entries.map((e) => e.type)).toEqual(['step.started', 'step.verified']);
    expect(record.seq).toBe(entries[1]!.seq);
    const { entries: chain, head } = await trail.chain(REQUEST);
    expect(verifyChain(REQUEST, chain, head).intact).toBe(true);
  });

  it('sent again after its answer was lost, is recorded once and its writer still learns it wrote it (so it goes on to alert or refresh)', async () => {
    const keys = fresh();
    const trail = new AuditTrail(resendingEveryScript(redis), keys);
    const record = await trail.appendOnce(REQUEST, `r1:${verified.stepId}:ended`, verified);
    expect(record).toBeDefined();
    const entries = await new AuditTrail(redis, keys).read(REQUEST);
    expect(entries.map((e) => e.seq)).toEqual([record!.seq]);
    // A later writer of the same fact is told it exists.
    expect(await new AuditTrail(redis, keys).appendOnce(REQUEST, `r1:${verified.stepId}:ended`, verified)).toBeUndefined();
  });
});
