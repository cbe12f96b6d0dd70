import { describe, expect, it } from 'vitest';
import { inventoryCreatedBy } from '../../src/connectors/ibm-cloud/created-by.js';
import { IbmCloudClient } from '../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_IAM_IDS, SIM_NHI_IDS, defaultIbmSeed } from '../../src/simulators/ibm-cloud/index.js';
import { ibmConfig, mutations, rejection, useIbmSimulator } from './ibm-cloud-harness.js';

const simulator = useIbmSimulator();
const { jane, janeSl, alex, chris } = SIM_IAM_IDS;
const JANE = [jane, janeSl];

describe('what a person created in an account', () => {
  it("finds Jane's service ID with every key on it, her key on Alex's service ID, her service credential and instance, each with its last use", async () => {
    const { sim, client } = await simulator();
    const inv = await inventoryCreatedBy(client, ACME_PRODUCTION, JANE);

    expect(inv.serviceIds.map((s) => s.item.name)).toEqual(['ci-pipeline']);
    const [ciPipeline] = inv.serviceIds;
    expect(ciPipeline!.activity).toEqual({ lastUsed: '2025-01-14T07:59:00.000Z', useCount: 30211 });
    expect(ciPipeline!.keys.map((k) => [k.item.name, k.activity?.useCount])).toEqual([['ci-pipeline-key', 30211]]);
    // Alex's log shipper is not hers; the key she made on it is.
    expect(inv.keysOnOthers.map((k) => [k.item.id, k.item.iamId, k.activity])).toEqual([
      [SIM_NHI_IDS.logShipperJaneKey, `iam-${SIM_NHI_IDS.logShipper}`, { lastUsed: '2025-01-12T03:10:00.000Z', useCount: 688 }],
    ]);
    // The service ID IBM minted for her credential comes with the credential, not as a service ID of hers.
    expect(inv.resourceKeys).toEqual([
      expect.objectContaining({
        id: SIM_NHI_IDS.janeResourceKey,
        name: 'ci-artifacts-writer',
        createdBy: jane,
        sourceCrn: SIM_NHI_IDS.janeInstance,
        apiKeyId: SIM_NHI_IDS.mintedKey,
        mintedKey: { lastUsed: '2025-01-13T12:00:00.000Z', useCount: 5120 },
      }),
    ]);
    expect(inv.instances.map((i) => [i.id, i.name])).toEqual([[SIM_NHI_IDS.janeInstance, 'ci-artifacts']]);
    expect(inv.profiles).toEqual([]);
    expect(inv.notChecked).toEqual([]);
    expect(mutations(sim)).toEqual([]);
  });

  it('never copies the secret a service credential holds', async () => {
    const { client } = await simulator();
    const inv = await inventoryCreatedBy(client, ACME_PRODUCTION, JANE);
    expect(JSON.stringify(inv)).not.toContain(SIM_NHI_IDS.janeResourceKeySecret);
  });

  it('flags a service ID of hers that someone else granted access to: another team depends on it', async () => {
    const { client } = await simulator();
    const [ciPipeline] = (await inventoryCreatedBy(client, ACME_PRODUCTION, JANE)).serviceIds;
    expect(ciPipeline!.grantedByOthers).toEqual([
      expect.objectContaining({ policyId: '5c1d2e3f-4a5b-4c6d-9e7f-8091a2b3c4d5', grantedBy: alex, roles: ['Editor', 'Writer'] }),
    ]);
  });

  it("attributes a service ID to its creator only, though someone else changed it since, and nobody else's to her", async () => {
    const { client } = await simulator();
    expect((await inventoryCreatedBy(client, ACME_PRODUCTION, [alex])).serviceIds.map((s) => s.item.name)).toEqual(['log-shipper']);
    const chrisInv = await inventoryCreatedBy(client, ACME_PRODUCTION, [chris]);
    expect([chrisInv.serviceIds, chrisInv.keysOnOthers, chrisInv.resourceKeys, chrisInv.instances, chrisInv.profiles]).toEqual([[], [], [], [], []]);
  });

  it('matches IAM ids exactly: an id that only contains hers, or differs in letter case, is not hers', async () => {
    const { client } = await simulator();
    const inv = await inventoryCreatedBy(client, ACME_PRODUCTION, [jane.toLowerCase(), `${jane}X`, jane.slice(0, -1)]);
    expect([inv.serviceIds, inv.keysOnOthers, inv.resourceKeys, inv.instances]).toEqual([[], [], [], []]);
  });

  it('reads last use only for what is attributed to her, one single read each', async () => {
    const { sim, client } = await simulator();
    await inventoryCreatedBy(client, ACME_PRODUCTION, JANE);
    const singleReads = sim.requests.filter((r) => /^\/v1\/(apikeys|serviceids)\/[^/]+$/.test(r.path) && r.path !== '/v1/apikeys/details');
    expect(singleReads.map((r) => r.path).sort()).toEqual(
      [
        `/v1/apikeys/${SIM_NHI_IDS.ciPipelineKey}`,
        `/v1/apikeys/${SIM_NHI_IDS.logShipperJaneKey}`,
        `/v1/apikeys/${SIM_NHI_IDS.mintedKey}`,
        `/v1/serviceids/${SIM_NHI_IDS.ciPipeline}`,
      ].sort(),
    );
    expect(singleReads.every((r) => r.query.include_activity === 'true')).toBe(true);
  });

  it('finds the trusted profile she created in staging, and says the Resource Controller cannot be asked there', async () => {
    const { sim, client } = await simulator();
    const inv = await inventoryCreatedBy(client, ACME_STAGING, JANE);
    expect(inv.profiles.map((p) => p.name)).toEqual(['staging-ci-federation']);
    expect(inv.notChecked).toEqual([expect.stringContaining(`answers only for account ${ACME_PRODUCTION}`)]);
    expect(sim.requests.some((r) => r.path.startsWith('/v2/resource_'))).toBe(false);
  });

  it('follows every page of every listing', async () => {
    const seed = defaultIbmSeed();
    const instance = seed.resourceInstances[0]!;
    const logShipper = seed.serviceIds.find((s) => s.name === 'log-shipper')!;
    const alexKey = seed.resourceKeys.find((k) => k.created_by === alex)!;
    // Others' service IDs and credentials before hers, so that hers are on the last pages.
    for (let i = 0; i < 7; i++) {
      seed.serviceIds.unshift({ ...logShipper, id: `ServiceId-other-${i}`, iam_id: `iam-ServiceId-other-${i}`, crn: `crn:other-sid-${i}` });
      seed.resourceKeys.unshift({ ...alexKey, id: `crn:other-key-${i}`, guid: `other-${i}`, crn: `crn:other-key-${i}` });
      seed.resourceInstances.unshift({ ...instance, id: `crn:other-instance-${i}`, guid: `oi-${i}`, crn: `crn:other-instance-${i}`, created_by: alex });
    }
    const { sim, client } = await simulator({ seed, pageSize: 2 });
    const inv = await inventoryCreatedBy(client, ACME_PRODUCTION, JANE);
    expect(inv.serviceIds.map((s) => s.item.name)).toEqual(['ci-pipeline']);
    expect(inv.resourceKeys.map((k) => k.name)).toEqual(['ci-artifacts-writer']);
    expect(inv.instances.map((i) => i.name)).toEqual(['ci-artifacts']);
    expect(sim.requests.filter((r) => r.path === '/v2/resource_keys').length).toBe(Math.ceil(seed.resourceKeys.length / 2));
  });

  it('fails with the classified error when IBM refuses a listing, and changes nothing', async () => {
    const { sim, client } = await simulator();
    sim.inject({ path: '/v2/resource_keys', status: 403 });
    const err = await rejection(inventoryCreatedBy(client, ACME_PRODUCTION, JANE));
    expect(err.name).toBe('PermanentError');
    expect(err.message).toMatch(/list resource keys: permission denied \(403\)/);
    expect(mutations(sim)).toEqual([]);
  });

  it('lists each account once for everyone asking at the same time', async () => {
    const { sim } = await simulator({ pageSize: 2 });
    const client = new IbmCloudClient(ibmConfig(sim.url));
    await Promise.all([JANE, [alex], [chris], [SIM_IAM_IDS.morgan]].map((ids, i) => inventoryCreatedBy(client, ACME_PRODUCTION, ids, `asker-${i}`)));
    const pagesOf = (path: string) => sim.requests.filter((r) => r.path === path).length;
    // Three service IDs in two pages, two credentials in one, two instances in one: each read once for all four.
    expect(pagesOf('/v1/serviceids')).toBe(2);
    expect(pagesOf('/v2/resource_keys')).toBe(1);
    expect(pagesOf('/v2/resource_instances')).toBe(1);
    expect(pagesOf('/v1/apikeys/details')).toBe(1);
  });
});
