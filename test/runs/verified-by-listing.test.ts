import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { crowdIbmSeed, crowdPerson } from '../../app/demo/crowd.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import type { StepCapabilities, StepContext } from '../../src/connectors/connector.js';
import { apiKeysStep } from '../../src/connectors/ibm-cloud/api-keys-step.js';
import type { IbmCloudClient } from '../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { trustedProfilesStep } from '../../src/connectors/ibm-cloud/trusted-profiles-step.js';
import { Keys } from '../../src/redis.js';
import { actOnStep, readBackOnce, verifiedByListing, type PhaseStep } from '../../src/runs/run-step.js';
import { ACME_PRODUCTION, type IbmCloudSimulator } from '../../src/simulators/ibm-cloud/index.js';
import { useIbmSimulator } from '../connectors/ibm-cloud-harness.js';

const simulator = useIbmSimulator();
let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());

const leaver = crowdPerson(0);
const PROFILES = '/v1/profiles';
const profileListings = (sim: IbmCloudSimulator) => sim.requests.filter((r) => r.method === 'GET' && r.path === PROFILES).length;

/** A step of one run in Acme production, on a trail of its own, as the step job gives it. */
function stepRun(client: IbmCloudClient, connect: (client: IbmCloudClient, account: string) => StepCapabilities, name: string) {
  const caps = connect(client.inAccount(ACME_PRODUCTION), ACME_PRODUCTION);
  const action = (caps.delete ?? caps.disable)!;
  const step: PhaseStep = { ...action, inventory: caps.inventory };
  const ctx: StepContext & { stepId: string } = {
    requestId: 'OFF-LISTED',
    stepId: `ibm-cloud.${ACME_PRODUCTION}.${name}`,
    scope: ACME_PRODUCTION,
    transactionId: `offboard-OFF-LISTED-${name}-a1`,
    person: { requestId: 'OFF-LISTED', slackUserId: leaver.slackUserId, email: leaver.email },
    identities: [{ scope: ACME_PRODUCTION, id: leaver.iamId, label: leaver.email }],
    asker: `OFF-LISTED:${name}:r1:c0`,
  };
  const audit = new AuditTrail(redis, new Keys(`verified-by-listing-${name}-${Date.now()}-${Math.random()}`));
  return { caps, step, ctx, audit };
}

describe('a step that changed nothing and listed nothing', () => {
  it("ends verified by its inventory's listing, read when the preview read it: no read-back is made", async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(2), consistencyDelayMs: 500 });
    const { caps, step, ctx, audit } = stepRun(client, trustedProfilesStep, 'trusted-profiles');
    // The preview looks first (no asker, no phase): the account's profiles, shared for 30 s.
    const previewedAt = Date.now();
    expect((await caps.inventory({ ...ctx, asker: undefined })).found).toEqual([]);
    await sleep(20);
    const stepAt = Date.now();

    const acted = await actOnStep(step, ctx, undefined, audit);

    expect(acted).toMatchObject({ changed: false });
    const listedAt = verifiedByListing(acted, 'disable');
    expect(listedAt).toBeDefined();
    // What the step saw was read for the preview, before the step asked.
    expect(listedAt!).toBeGreaterThanOrEqual(previewedAt);
    expect(listedAt!).toBeLessThan(stepAt);
    expect(profileListings(sim)).toBe(1);
  });

  it("reads back afresh when the bot changed the account after that listing began: the listing no longer stands for the step's end", async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(2), consistencyDelayMs: 0 });
    const { step, ctx, audit } = stepRun(client, trustedProfilesStep, 'trusted-profiles');
    const acted = await actOnStep(step, ctx, undefined, audit);
    expect(acted.nothingListed?.current()).toBe(true);

    // Another person's run removes them from the account: IAM may drop profile links with a membership.
    await client.removeUser(ACME_PRODUCTION, crowdPerson(1).iamId, 'offboard-OFF-OTHER-a1');

    expect(verifiedByListing(acted, 'disable')).toBeUndefined();
    const before = profileListings(sim);
    const outcome = await readBackOnce(step, ctx, { startedAt: Date.now(), checks: 0, pauseMs: 50 }, { timeoutMs: 5_000, intervalMs: 50 }, audit, 'r1');
    expect(outcome).toEqual({ kind: 'verified' });
    expect(profileListings(sim)).toBe(before + 1);
    const [verified] = (await audit.read(ctx.requestId)).filter((e) => e.type === 'step.verified');
    expect(verified).toMatchObject({ checks: 1 });
    expect(verified).not.toHaveProperty('by');
  });

  it('a step that changed something, and a restore, always read back', async () => {
    const { client } = await simulator({ seed: crowdIbmSeed(2), consistencyDelayMs: 0 });
    const keys = stepRun(client, apiKeysStep, 'api-keys');
    const acted = await actOnStep(keys.step, keys.ctx, undefined, keys.audit);
    expect(acted.changed).toBe(true);
    expect(verifiedByListing(acted, 'delete')).toBeUndefined();

    // A restore's inventory is its snapshots: nothing to restore is no look at the system.
    expect(verifiedByListing({ changed: false, nothingListed: { readAt: Date.now(), current: () => true } }, 'reinstate')).toBeUndefined();
  });
});
