import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { StepContext } from '../../src/connectors/connector.js';
import { NotConfirmedError, PermanentError, RetryableError } from '../../src/connectors/step-errors.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { Keys } from '../../src/redis.js';
import { readBackOnce } from '../../src/runs/run-step.js';
import { Redis } from 'ioredis';
import { SYSTEMS } from '../../jobs/systems.js';
import { FIXTURES, type SystemUnderTest } from './fixtures.js';

const running: SystemUnderTest[] = [];
let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(id: string): Promise<SystemUnderTest> {
  const fixture = FIXTURES[id];
  if (!fixture) throw new Error(`no conformance fixture for ${id}: add one to test/conformance/fixtures.ts`);
  const sut = await fixture(inject('redisUrl'));
  running.push(sut);
  return sut;
}

/** What a step is given in a run: the person and every identity the system's identification found. */
async function contextOf(sut: SystemUnderTest, scope: string): Promise<StepContext> {
  const { module, settings, client } = sut.connected;
  const identities = await settings.identify(client, sut.person, []);
  expect(identities.length, `${module.title} finds the seeded person`).toBeGreaterThan(0);
  return { requestId: sut.person.requestId, scope, transactionId: `offboard-${sut.person.requestId}-conformance`, person: sut.person, identities };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('every registered system conforms', () => {
  it('has a fixture that starts its simulator', () => {
    expect(SYSTEMS.map((s) => s.module.id).filter((id) => !FIXTURES[id])).toEqual([]);
  });

  for (const { module, steps } of SYSTEMS) {
    describe(module.title, () => {
      for (const step of steps) {
        it(`${step.title}: a 429 with Retry-After is retried after that wait, a 5xx is retried, a 403 fails for good`, async () => {
          const sut = await start(module.id);
          const scope = sut.connected.settings.scopes[0]!;
          const ctx = await contextOf(sut, scope);
          const caps = step.capabilities({ systems: new Map([[module.id, sut.connected]]) }, scope);

          sut.fail(429, 7);
          const limited = await rejection(caps.inventory(ctx));
          expect(limited).toBeInstanceOf(RetryableError);
          expect((limited as RetryableError).retryAfterMs).toBe(7_000);

          sut.fail(503);
          expect(await rejection(caps.inventory(ctx))).toBeInstanceOf(RetryableError);
          sut.fail(500);
          expect(await rejection(caps.inventory(ctx))).toBeInstanceOf(RetryableError);

          sut.fail(403);
          const refused = await rejection(caps.inventory(ctx));
          expect(refused).toBeInstanceOf(PermanentError);
          expect(refused).not.toBeInstanceOf(RetryableError);

          // With the system answering again, the same step answers: none of the failures was the step's own doing.
          sut.heal();
          await expect(caps.inventory(ctx)).resolves.toBeDefined();
        });

        // A step that only reports what it cannot remove has nothing to read back.
        it.skipIf(step.reportsResidual)(`${step.title}: a read-back that never confirms is never green`, async () => {
          const sut = await start(module.id);
          const scope = sut.connected.settings.scopes[0]!;
          const ctx = await contextOf(sut, scope);
          const caps = step.capabilities({ systems: new Map([[module.id, sut.connected]]) }, scope);
          const action = caps.disable ?? caps.delete;
          if (!action) throw new Error(`${step.title} can neither disable nor delete`);
          // Nothing is changed, so the system keeps showing what the person holds.
          const { found } = await caps.inventory(ctx);
          expect(found.length, `the seeded person holds something ${step.title} removes`).toBeGreaterThan(0);
          const audit = new AuditTrail(redis, new Keys(`conformance-${module.id}-${step.step}-${Date.now()}`));
          const stepId = step.ref(scope).step;
          const state = { startedAt: Date.now(), checks: 0, pauseMs: 0 };

          const outcome = await rejection(
            readBackOnce({ ...action, inventory: caps.inventory }, { ...ctx, stepId }, state, { timeoutMs: 0, intervalMs: 1 }, audit, 'once'),
          );

          expect(outcome).toBeInstanceOf(NotConfirmedError);
          expect((await audit.read(ctx.requestId)).filter((e) => e.type === 'step.verified')).toEqual([]);
        });
      }
    });
  }
});
