import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IbmCloudClient } from '../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { RateBudget } from '../../src/connectors/rate-budget.js';
import { RateLimitedError } from '../../src/connectors/step-errors.js';
import { crowdIbmSeed, crowdPerson } from '../../app/demo/crowd.js';
import { ACME_PRODUCTION, ACME_STAGING } from '../../src/simulators/ibm-cloud/index.js';
import { ibmConfig, useIbmSimulator } from './ibm-cloud-harness.js';

const simulator = useIbmSimulator();
let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());

/** A client as one worker process holds it, with the budget every worker shares through Redis. */
function workerClient(url: string, prefix: string, rps: number, maxWaitMs = 10_000) {
  return new IbmCloudClient(
    ibmConfig(url),
    undefined,
    new RateBudget(redis, (account) => `${prefix}:budget:${account}`, { system: 'IBM Cloud', rps, maxWaitMs }),
  );
}

const membershipChecks = (requests: { path: string }[], account: string) => requests.filter((r) => r.path.startsWith(`/v2/accounts/${account}/users/`));

describe('IBMCLOUD_MAX_RPS: a request budget per account, shared by every worker', () => {
  it('two workers together stay within the budget: 50 calls at 10 per second take at least 4 seconds', async () => {
    const { sim } = await simulator({ seed: crowdIbmSeed(50) });
    const prefix = `budget-${randomBytes(4).toString('hex')}`;
    const workers = [workerClient(sim.url, prefix, 10), workerClient(sim.url, prefix, 10)];
    const started = Date.now();
    await Promise.all(Array.from({ length: 50 }, (_, i) => workers[i % 2]!.isMember(ACME_PRODUCTION, crowdPerson(i).iamId)));
    // A second's worth may go at once; the other 40 are spaced 100 ms apart.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_900);
    expect(membershipChecks(sim.requests, ACME_PRODUCTION)).toHaveLength(50);
  });

  it('each account has its own budget: a busy account does not slow another', async () => {
    const { sim } = await simulator({ seed: crowdIbmSeed(30) });
    const prefix = `budget-${randomBytes(4).toString('hex')}`;
    const client = workerClient(sim.url, prefix, 5, 100);
    // Production's budget is spent...
    await Promise.allSettled(Array.from({ length: 20 }, (_, i) => client.isMember(ACME_PRODUCTION, crowdPerson(i).iamId)));
    // ...and staging still answers at once.
    expect(await client.isMember(ACME_STAGING, crowdPerson(0).iamId)).toBe(true);
  });

  it('a call whose turn is further out than the longest wait is not made, and says when to come back', async () => {
    const { sim } = await simulator({ seed: crowdIbmSeed(20) });
    const prefix = `budget-${randomBytes(4).toString('hex')}`;
    const client = workerClient(sim.url, prefix, 5, 300);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => client.isMember(ACME_PRODUCTION, crowdPerson(i).iamId)));
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as Error);
    expect(refused.length).toBeGreaterThan(0);
    for (const err of refused) {
      expect(err).toBeInstanceOf(RateLimitedError);
      expect((err as RateLimitedError).retryAfterMs).toBeGreaterThan(300);
      // Named after the system whose budget it is, as its module titles it.
      expect(err.message).toBe(`the IBM Cloud request budget of ${ACME_PRODUCTION} is used up for now`);
    }
    // Only the calls that got a turn reached IBM.
    expect(membershipChecks(sim.requests, ACME_PRODUCTION)).toHaveLength(20 - refused.length);
  });
});
