import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { StepContext } from '../../../src/connectors/connector.js';
import { IbmCloudClient } from '../../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { VPC_API_VERSION } from '../../../src/connectors/ibm-cloud/vpc-client.js';
import { authorizedKeysStep, sshKeysStep } from '../../../src/connectors/ibm-cloud/vpc/ssh-keys-step.js';
import { vpcListing } from '../../../src/connectors/ibm-cloud/vpc/vpc-listing.js';
import { VpcReviews } from '../../../src/connectors/ibm-cloud/vpc/vpc-review.js';
import { PermanentError, RetryableError } from '../../../src/connectors/step-errors.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL, SIM_VPC, withVpc } from '../../../src/simulators/ibm-cloud/index.js';
import { ibmConfig, useIbmSimulator } from '../ibm-cloud-harness.js';

const start = useIbmSimulator();
let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.quit());

const ctx = (requestId: string): StepContext => ({
  requestId,
  scope: ACME_PRODUCTION,
  transactionId: 'tx-vpc',
  person: { requestId, slackUserId: 'U0JANE001', email: JANE_EMAIL },
  identities: [],
});

async function world(opts: { pageSize?: number } = {}) {
  const { sim } = await start({ seed: withVpc(), ...opts });
  const prefix = `vpc-test-${randomBytes(4).toString('hex')}`;
  const reviews = new VpcReviews(redis, (part) => `${prefix}:${part}`);
  const client = new IbmCloudClient(ibmConfig(sim.url)).withVpcReviews(reviews).inAccount(ACME_PRODUCTION);
  return { sim, client, reviews, keys: sshKeysStep(client, ACME_PRODUCTION), servers: authorizedKeysStep(client, ACME_PRODUCTION) };
}

describe('listing VPC SSH keys', () => {
  it('follows every page of every region, with the servers each key was installed on, asking with version and generation=2 every time', async () => {
    const { sim, client } = await world({ pageSize: 1 });
    const listing = await vpcListing(client, ACME_PRODUCTION);
    if (!listing.answered) throw new Error(listing.why);
    expect(listing.keys.map((k) => `${k.region}/${k.name}`).sort()).toEqual([
      'eu-de/jane-doe-ci',
      'us-south/ci-deploy',
      'us-south/laptop-2024',
      'us-south/mary-jane-laptop',
    ]);
    expect(listing.keys.find((k) => k.id === SIM_VPC.janeLaptop)?.comment).toBe(JANE_EMAIL);
    expect(listing.servers.map((s) => [s.name, s.keyIds.length])).toEqual([
      ['web-1', 2],
      ['web-2', 1],
      ['db-1', 2],
    ]);
    const vpcCalls = sim.requests.filter((r) => r.path.startsWith('/vpc/'));
    expect(vpcCalls.filter((r) => r.path.endsWith('/keys')).length).toBe(4);
    expect(vpcCalls.every((r) => r.query.version === VPC_API_VERSION && r.query.generation === '2')).toBe(true);
    expect(vpcCalls.some((r) => r.path === `/vpc/us-south/v1/instances/${SIM_VPC.web1}/initialization`)).toBe(true);
  });

  it('says the keys were not checked where VPC cannot answer (unchecked, never "nothing found"), and asks nothing', async () => {
    const { sim } = await start({ seed: withVpc() });
    const off = new IbmCloudClient({ ...ibmConfig(sim.url), vpc: { regions: [], url: `${sim.url}/vpc/{region}/v1` } });
    expect(await sshKeysStep(off, ACME_PRODUCTION).inventory(ctx('OFF-VPC0'))).toEqual({ found: [], unchecked: 'IBMCLOUD_VPC_REGIONS is unset' });
    const staging = new IbmCloudClient(ibmConfig(sim.url));
    expect(await sshKeysStep(staging, ACME_STAGING).inventory({ ...ctx('OFF-VPC0'), scope: ACME_STAGING })).toEqual({
      found: [],
      unchecked: `VPC answers only for account ${ACME_PRODUCTION}, the one IBMCLOUD_API_KEY belongs to`,
    });
    expect(await authorizedKeysStep(staging, ACME_STAGING).inventory({ ...ctx('OFF-VPC0'), scope: ACME_STAGING })).toEqual({
      found: [],
      unchecked: `VPC answers only for account ${ACME_PRODUCTION}, the one IBMCLOUD_API_KEY belongs to`,
    });
    expect(sim.requests.filter((r) => r.path.startsWith('/vpc/'))).toEqual([]);
  });

  it('classifies 503 as retryable and 403 as permanent', async () => {
    const { sim, keys } = await world();
    sim.inject({ path: '/vpc/eu-de/v1/keys', status: 503, retryAfterSeconds: 2, times: 1 });
    await expect(keys.inventory(ctx('OFF-VPC1'))).rejects.toBeInstanceOf(RetryableError);
    sim.inject({ path: '/initialization', status: 403 });
    await expect(keys.inventory(ctx('OFF-VPC1'))).rejects.toBeInstanceOf(PermanentError);
  });
});

describe('the SSH keys step', () => {
  it('finds nothing before an approver reviews, naming the keys that mention the person, and its deletion fails asking for the review', async () => {
    const { sim, keys } = await world();
    const inventory = await keys.inventory(ctx('OFF-VPC2'));
    expect(inventory.found).toEqual([]);
    expect(inventory.note).toBe(
      "awaiting an approver's review of 4 SSH key(s) (IBM records no creator); named after them: laptop-2024 (us-south), jane-doe-ci (eu-de)",
    );
    await expect(keys.delete!.readBack(ctx('OFF-VPC2'), [])).rejects.toThrow(/were not reviewed: .*Review SSH keys/);
    expect(sim.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('deletes the keys the approver chose, and only those, and reads them back', async () => {
    const { sim, keys, reviews } = await world();
    await reviews.set('OFF-VPC3', ACME_PRODUCTION, {
      by: 'U0ALEX001',
      at: '2026-12-06T10:00:00.000Z',
      chosen: [
        { region: 'us-south', id: SIM_VPC.janeLaptop, name: 'laptop-2024' },
        { region: 'eu-de', id: SIM_VPC.janeDoeCi, name: 'jane-doe-ci' },
      ],
    });
    const { found } = await keys.inventory(ctx('OFF-VPC3'));
    expect(found.map((f) => f.label)).toEqual(['SSH key laptop-2024 (us-south)', 'SSH key jane-doe-ci (eu-de)']);
    expect(found[0]?.detail).toMatch(/^chosen as theirs by approver U0ALEX001 on 2026-12-06T10:00:00.000Z; installed on 1 server\(s\)/);
    const changes = [];
    for await (const c of keys.delete!.act(ctx('OFF-VPC3'), found)) changes.push(c);
    expect(changes.map((c) => c.outcome)).toEqual(['removed', 'removed']);
    expect(await keys.delete!.readBack(ctx('OFF-VPC3'), found)).toEqual({ confirmed: true, remaining: [] });
    expect([SIM_VPC.janeLaptop, SIM_VPC.janeDoeCi].map((id) => sim.vpcKey(id))).toEqual([undefined, undefined]);
    expect(sim.vpcKey(SIM_VPC.deploy)?.name).toBe('ci-deploy');
    expect(sim.vpcKey(SIM_VPC.mary)?.name).toBe('mary-jane-laptop');
    // Again: already gone, nothing deleted twice.
    const again = [];
    for await (const c of keys.delete!.act(ctx('OFF-VPC3'), found)) again.push(c.outcome);
    expect(again).toEqual(['already_absent', 'already_absent']);
  });

  it('does not confirm while a chosen key is still listed', async () => {
    const { keys, reviews } = await world();
    await reviews.set('OFF-VPC4', ACME_PRODUCTION, {
      by: 'U0ALEX001',
      at: '2026-12-06T10:00:00.000Z',
      chosen: [{ region: 'us-south', id: SIM_VPC.deploy, name: 'ci-deploy' }],
    });
    const readBack = await keys.delete!.readBack(ctx('OFF-VPC4'), []);
    expect(readBack.confirmed).toBe(false);
    expect(readBack.remaining.map((r) => r.label)).toEqual(['SSH key ci-deploy (us-south)']);
  });
});

describe('their keys on servers', () => {
  it('lists each server a chosen key initialised, also once the key is deleted, as a task to remove it from authorized_keys, with its console page', async () => {
    const { sim, keys, servers, reviews } = await world();
    await reviews.set('OFF-VPC5', ACME_PRODUCTION, {
      by: 'U0ALEX001',
      at: '2026-12-06T10:00:00.000Z',
      chosen: [
        { region: 'us-south', id: SIM_VPC.janeLaptop, name: 'laptop-2024' },
        { region: 'eu-de', id: SIM_VPC.janeDoeCi, name: 'jane-doe-ci' },
      ],
    });
    for await (const _ of keys.delete!.act(ctx('OFF-VPC5'), (await keys.inventory(ctx('OFF-VPC5'))).found));
    expect(sim.vpcKey(SIM_VPC.janeLaptop)).toBeUndefined();
    const { found } = await servers.inventory(ctx('OFF-VPC5'));
    expect(found.map((f) => f.label)).toEqual(['SSH key laptop-2024 on server web-1 (us-south)', 'SSH key jane-doe-ci on server db-1 (eu-de)']);
    expect(found[0]?.detail).toMatch(
      /^remove SSH key laptop-2024 from root's authorized_keys on server web-1 \(us-south\): .*stays there when the key resource is deleted$/,
    );
    expect(found[0]?.link).toBe(`https://cloud.ibm.com/vpc-ext/compute/vs/us-south~${found[0]!.id.split('/')[1]}/overview?bss_account=${ACME_PRODUCTION}`);
  });

  it('in the deletion, before any review, lists nothing and fails asking for it: which servers follows from the keys chosen', async () => {
    const { sim, servers } = await world();
    const before = sim.requests.length;
    const refused = await servers.inventory({ ...ctx('OFF-VPC7'), phase: 'delete' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as Error).message).toMatch(/were not reviewed: .*Review SSH keys…/);
    expect(sim.requests.slice(before).filter((r) => r.method !== 'GET' && r.path !== '/identity/token')).toEqual([]);
  });

  it('before the review, lists the servers of the keys that mention the person, saying so', async () => {
    const { servers } = await world();
    const { found } = await servers.inventory(ctx('OFF-VPC6'));
    expect(found.map((f) => f.label)).toEqual(['SSH key laptop-2024 on server web-1 (us-south)', 'SSH key jane-doe-ci on server db-1 (eu-de)']);
    expect(found.every((f) => f.detail?.includes("no approver has reviewed the account's keys yet"))).toBe(true);
  });
});
