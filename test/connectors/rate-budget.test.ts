import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IbmCloudClient } from '../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { RateBudget } from '../../src/connectors/rate-budget.js';
import { RateLimitedError } from '../../src/connectors/step-errors.js';
import { crowdIbmSeed, crowdPerson } from '../../app/demo/crowd.js';
import { ACME_PRODUCTION, ACME_STAGING } from '../../src/simulators/ibm-cloud/index.js';
import { ibmConfig, rejection, useIbmSimulator } from './ibm-cloud-harness.js';
import { readingFresh } from '../../src/connectors/read-fresh.js';

const simulator = useIbmSimulator();
let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());

/** A client as one worker process holds it, with the budget every worker shares through Redis. */
function workerClient(url: string, prefix: string, rps: number, { maxWaitMs = 10_000, readBackShare }: { maxWaitMs?: number; readBackShare?: number } = {}) {
  return new IbmCloudClient(
    ibmConfig(url),
    undefined,
    new RateBudget(redis, (account) => `${prefix}:budget:${account}`, { system: 'IBM Cloud', rps, maxWaitMs, ...(readBackShare ? { readBackShare } : {}) }),
  );
}

const membershipChecks = <R extends { path: string }>(requests: R[], account: string) =>
  requests.filter((r) => r.path.startsWith(`/v2/accounts/${account}/users/`));

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
    const client = workerClient(sim.url, prefix, 5, { maxWaitMs: 100 });
    // Production's budget is spent...
    await Promise.allSettled(Array.from({ length: 20 }, (_, i) => client.isMember(ACME_PRODUCTION, crowdPerson(i).iamId)));
    // ...and staging still answers at once.
    expect(await client.isMember(ACME_STAGING, crowdPerson(0).iamId)).toBe(true);
  });

  it('a call whose turn is further out than the longest wait is not made, and says when to come back', async () => {
    const { sim } = await simulator({ seed: crowdIbmSeed(20) });
    const prefix = `budget-${randomBytes(4).toString('hex')}`;
    const client = workerClient(sim.url, prefix, 5, { maxWaitMs: 300 });
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

  it('read-backs never take more than their share of the budget while actions wait beside them: at 8 per second, read-backs get 2 a second', async () => {
    const { sim } = await simulator({ seed: crowdIbmSeed(30) });
    const prefix = `budget-${randomBytes(4).toString('hex')}`;
    const client = workerClient(sim.url, prefix, 8, { readBackShare: 0.25 });
    const readBacks = Array.from({ length: 6 }, (_, i) => crowdPerson(i).iamId);
    const actions = Array.from({ length: 16 }, (_, i) => crowdPerson(10 + i).iamId);
    // The actions are under way when the read-backs ask.
    await Promise.all([
      ...actions.map((iamId) => client.isMember(ACME_PRODUCTION, iamId)),
      ...readBacks.map((iamId) => readingFresh(() => client.isMember(ACME_PRODUCTION, iamId))),
    ]);
    const at = (ids: string[]) =>
      membershipChecks(sim.requests, ACME_PRODUCTION)
        .filter((r) => ids.some((id) => r.path.endsWith(`/${id}`)))
        .map((r) => Date.parse(r.at));
    const start = Math.min(...at([...readBacks, ...actions]));
    const readBackTimes = at(readBacks);
    expect(readBackTimes).toHaveLength(6);
    expect(at(actions)).toHaveLength(16);
    // A quarter of 8 a second: 2 a second, after a second's worth (2) at once; never 3 within the first second.
    expect(readBackTimes.filter((t) => t - start < 950).length).toBeLessThanOrEqual(2 + 1);
    expect(Math.max(...readBackTimes) - start).toBeGreaterThanOrEqual(1_900);
  });

  it('read-backs take what a trickle of actions leaves: with an action every half second at 8 per second, 16 read-backs take about 2 s, not the 7 s their share would', async () => {
    const { sim } = await simulator({ seed: crowdIbmSeed(30) });
    const prefix = `budget-${randomBytes(4).toString('hex')}`;
    const client = workerClient(sim.url, prefix, 8, { readBackShare: 0.25 });
    const readBacks = Array.from({ length: 16 }, (_, i) => crowdPerson(i).iamId);
    const actions = Array.from({ length: 6 }, (_, i) => crowdPerson(20 + i).iamId);
    const started = Date.now();
    let readBacksDone = 0;
    await Promise.all([
      // An action every 500 ms: each finds its slot free, and none waits for the read-backs.
      (async () => {
        for (const iamId of actions) {
          await client.isMember(ACME_PRODUCTION, iamId);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      })(),
      Promise.all(readBacks.map((iamId) => readingFresh(() => client.isMember(ACME_PRODUCTION, iamId)))).then(() => {
        readBacksDone = Date.now() - started;
      }),
    ]);
    expect(membershipChecks(sim.requests, ACME_PRODUCTION)).toHaveLength(22);
    // 22 calls at 8 a second after a second's worth at once: under 3 s. Held to their share (2 a second) the read-backs would take 7 s.
    expect(readBacksDone).toBeLessThan(4_000);
  });

  it('read-backs with no action being made use the whole budget: 16 of them at 8 per second take about a second, not the 7 s their share would', async () => {
    const { sim } = await simulator({ seed: crowdIbmSeed(20) });
    const prefix = `budget-${randomBytes(4).toString('hex')}`;
    const client = workerClient(sim.url, prefix, 8, { readBackShare: 0.25 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 16 }, (_, i) => readingFresh(() => client.isMember(ACME_PRODUCTION, crowdPerson(i).iamId))));
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(membershipChecks(sim.requests, ACME_PRODUCTION)).toHaveLength(16);
  });
});

describe("IBM's 429 with Retry-After holds the whole account, not only the call that met it", () => {
  /** Membership checks of production as the simulator received them, with their answers. */
  const checks = (sim: { requests: { path: string; at: string; status: number }[] }) => membershipChecks(sim.requests, ACME_PRODUCTION);

  it('after a 429 with Retry-After: 3, the next call in that account is not made and is told to come back when the hold ends; another account is not held', async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(5) });
    sim.inject({ method: 'GET', path: `/v2/accounts/${ACME_PRODUCTION}/users/`, status: 429, times: 1, retryAfterSeconds: 3 });

    const limited = await rejection(client.isMember(ACME_PRODUCTION, crowdPerson(0).iamId));
    expect(limited.message).toContain('rate limited by IBM Cloud (429)');
    const refused = await rejection(client.isMember(ACME_PRODUCTION, crowdPerson(1).iamId));

    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused.message).toBe(`IBM Cloud asked the bot to wait before its next call in account ${ACME_PRODUCTION} (429 with Retry-After)`);
    expect((refused as RateLimitedError).retryAfterMs).toBeGreaterThan(2_000);
    expect((refused as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(3_000);
    // Only the call that met the 429 reached IBM in production.
    expect(checks(sim).map((r) => r.status)).toEqual([429]);
    // Staging answers as ever.
    expect(await client.isMember(ACME_STAGING, crowdPerson(0).iamId)).toBe(true);
  });

  it('once the hold has ended, calls in the account go again', async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(5) });
    sim.inject({ method: 'GET', path: `/v2/accounts/${ACME_PRODUCTION}/users/`, status: 429, times: 1, retryAfterSeconds: 1 });

    await rejection(client.isMember(ACME_PRODUCTION, crowdPerson(0).iamId));
    const refused = await rejection(client.isMember(ACME_PRODUCTION, crowdPerson(1).iamId));
    await new Promise((resolve) => setTimeout(resolve, (refused as RateLimitedError).retryAfterMs! + 10));
    expect(await client.isMember(ACME_PRODUCTION, crowdPerson(1).iamId)).toBe(true);

    const [limited, next] = checks(sim);
    expect([limited?.status, next?.status]).toEqual([429, 200]);
    expect(Date.parse(next!.at) - Date.parse(limited!.at)).toBeGreaterThanOrEqual(950);
  });

  it('with IBMCLOUD_MAX_RPS, another worker process does not call the held account either until the hold ends', async () => {
    const { sim } = await simulator({ seed: crowdIbmSeed(5) });
    const prefix = `budget-${randomBytes(4).toString('hex')}`;
    // Two worker processes: each its own client (and its own memory of holds), one budget in Redis.
    const [first, second] = [workerClient(sim.url, prefix, 20), workerClient(sim.url, prefix, 20)];
    sim.inject({ method: 'GET', path: `/v2/accounts/${ACME_PRODUCTION}/users/`, status: 429, times: 1, retryAfterSeconds: 2 });

    await rejection(first.isMember(ACME_PRODUCTION, crowdPerson(0).iamId));
    expect(await second.isMember(ACME_PRODUCTION, crowdPerson(1).iamId)).toBe(true);

    const [limited, next] = checks(sim);
    expect([limited?.status, next?.status]).toEqual([429, 200]);
    expect(Date.parse(next!.at) - Date.parse(limited!.at)).toBeGreaterThanOrEqual(1_950);
  });

  it('a 429 without Retry-After holds nothing: the next call in the account goes at once', async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(5) });
    sim.inject({ method: 'GET', path: `/v2/accounts/${ACME_PRODUCTION}/users/`, status: 429, times: 1 });

    await rejection(client.isMember(ACME_PRODUCTION, crowdPerson(0).iamId));
    const asked = Date.now();
    expect(await client.isMember(ACME_PRODUCTION, crowdPerson(1).iamId)).toBe(true);

    expect(checks(sim).map((r) => r.status)).toEqual([429, 200]);
    expect(Date.now() - asked).toBeLessThan(900);
  });
});
