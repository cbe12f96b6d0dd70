import { describe, expect, it } from 'vitest';
import type { Inventory, StepContext } from '../../../src/connectors/connector.js';
import { IbmCloudClient } from '../../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { ibmCloudSteps } from '../../../src/connectors/ibm-cloud/steps.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL, SIM_IAM_IDS, SIM_NHI_IDS, defaultIbmSeed } from '../../../src/simulators/ibm-cloud/index.js';
import { ibmConfig, mutations, rejection, useIbmSimulator } from '../ibm-cloud-harness.js';

const simulator = useIbmSimulator();
const { jane, janeSl, alex, chris, morgan } = SIM_IAM_IDS;
const JANE = [jane, janeSl];

/** The steps for what a person created, as the IBM Cloud system lists them. */
const createdSteps = ibmCloudSteps.filter((s) => s.createdByPerson);

/** A step's context at the disable phase of a request that hands what they created over. */
function ctx(iamIds: readonly string[], account = ACME_PRODUCTION, asker?: string): StepContext {
  return {
    requestId: 'req-1',
    scope: account,
    transactionId: 'tx-1',
    person: { requestId: 'req-1', slackUserId: 'U0JANE', email: JANE_EMAIL },
    identities: iamIds.map((id) => ({ scope: account, id, label: id })),
    created: { choice: 'hand_over', successor: 'Taylor Lee' },
    phase: 'disable',
    ...(asker ? { asker } : {}),
  };
}

/** Every step's inventory for `iamIds` in `account`, connected as a step job connects it, by step name. */
async function inventories(client: IbmCloudClient, iamIds: readonly string[], account = ACME_PRODUCTION, asker?: string): Promise<Record<string, Inventory>> {
  const done = await Promise.all(
    createdSteps.map(async (s) => [s.step, await s.connect(client, account).inventory(ctx(iamIds, account, asker && `${asker}:${s.step}`))] as const),
  );
  return Object.fromEntries(done);
}

const ids = (inv: Record<string, Inventory>) => Object.fromEntries(Object.entries(inv).map(([step, i]) => [step, i.found.map((f) => f.id)]));
const nothing = { 'service-id-keys': [], 'service-ids': [], 'created-credentials': [], 'created-keys-and-profiles': [] };

describe('what a person created in an account, as the steps find it', () => {
  it("finds Jane's service ID with its key, her key on Alex's service ID, her service credential and instance, each key with its last use", async () => {
    const { sim, client } = await simulator();
    const inv = await inventories(client, JANE);

    // The service ID IBM minted for her credential comes with the credential, not as a service ID of hers.
    expect(ids(inv)).toEqual({
      'service-id-keys': [SIM_NHI_IDS.ciPipelineKey],
      'service-ids': [SIM_NHI_IDS.ciPipeline],
      'created-credentials': [SIM_NHI_IDS.janeResourceKey, SIM_NHI_IDS.janeInstance],
      'created-keys-and-profiles': [SIM_NHI_IDS.logShipperJaneKey],
    });
    expect(inv['service-id-keys']!.found[0]).toEqual(expect.objectContaining({ label: 'ci-pipeline-key (service ID ci-pipeline)', useCount: 30211 }));
    // Alex's log shipper is not hers; the key she made on it is, and she has seen its secret.
    expect(inv['created-keys-and-profiles']!.found[0]).toEqual(expect.objectContaining({ useCount: 688, lastUsed: '2025-01-12T03:10:00.000Z', rotate: true }));
    // A credential's use is that of the API key IBM minted for it, the one its secret holds.
    expect(inv['created-credentials']!.found).toEqual([
      expect.objectContaining({ label: 'service credential ci-artifacts-writer', useCount: 5120, lastUsed: '2025-01-13T12:00:00.000Z', rotate: true }),
      expect.objectContaining({ label: 'service instance ci-artifacts', kind: 'service instance' }),
    ]);
    expect(mutations(sim)).toEqual([]);
  });

  it('never copies the secret a service credential holds', async () => {
    const { client } = await simulator();
    expect(JSON.stringify(await inventories(client, JANE))).not.toContain(SIM_NHI_IDS.janeResourceKeySecret);
  });

  it("attributes a service ID to its creator only, though someone else changed it since, and nobody else's to her", async () => {
    const { client } = await simulator();
    expect(ids(await inventories(client, [alex]))['service-ids']).toEqual([SIM_NHI_IDS.logShipper]);
    expect(ids(await inventories(client, [chris]))).toEqual(nothing);
  });

  it('matches IAM ids exactly: an id that only contains hers, or differs in letter case, is not hers', async () => {
    const { client } = await simulator();
    expect(ids(await inventories(client, [jane.toLowerCase(), `${jane}X`, jane.slice(0, -1)]))).toEqual(nothing);
  });

  it('reads last use only for the keys attributed to her, one single read each', async () => {
    const { sim, client } = await simulator();
    await inventories(client, JANE);
    const singleReads = sim.requests.filter((r) => /^\/v1\/(apikeys|serviceids)\/[^/]+$/.test(r.path) && r.path !== '/v1/apikeys/details');
    expect(singleReads.map((r) => r.path).sort()).toEqual(
      [`/v1/apikeys/${SIM_NHI_IDS.ciPipelineKey}`, `/v1/apikeys/${SIM_NHI_IDS.logShipperJaneKey}`, `/v1/apikeys/${SIM_NHI_IDS.mintedKey}`].sort(),
    );
    expect(singleReads.every((r) => r.query.include_activity === 'true')).toBe(true);
  });

  it('finds the trusted profile she created in staging, and leaves credentials unchecked there: the Resource Controller cannot be asked', async () => {
    const { sim, client } = await simulator();
    const inv = await inventories(client, JANE, ACME_STAGING);
    expect(inv['created-keys-and-profiles']!.found.map((f) => f.label)).toEqual(['trusted profile staging-ci-federation']);
    expect(inv['created-credentials']).toEqual({ found: [], unchecked: expect.stringContaining(`answers only for account ${ACME_PRODUCTION}`) });
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
    const { client } = await simulator({ seed, pageSize: 2 });
    expect(ids(await inventories(client, JANE))).toEqual({
      'service-id-keys': [SIM_NHI_IDS.ciPipelineKey],
      'service-ids': [SIM_NHI_IDS.ciPipeline],
      'created-credentials': [SIM_NHI_IDS.janeResourceKey, SIM_NHI_IDS.janeInstance],
      'created-keys-and-profiles': [SIM_NHI_IDS.logShipperJaneKey],
    });
  });

  it('fails with the classified error when IBM refuses a listing, and changes nothing', async () => {
    const { sim, client } = await simulator();
    sim.inject({ path: '/v2/resource_keys', status: 403 });
    const credentials = createdSteps.find((s) => s.step === 'created-credentials')!;
    const err = await rejection(credentials.connect(client, ACME_PRODUCTION).inventory(ctx(JANE)));
    expect(err.name).toBe('PermanentError');
    expect(err.message).toMatch(/list resource keys: permission denied \(403\)/);
    expect(mutations(sim)).toEqual([]);
  });

  it("reads the account's service IDs and its bot key's account once for everyone's steps asking at the same time", async () => {
    const { sim } = await simulator({ pageSize: 2 });
    const client = new IbmCloudClient(ibmConfig(sim.url));
    await Promise.all([JANE, [alex], [chris], [morgan]].map((iamIds, i) => inventories(client, iamIds, ACME_PRODUCTION, `asker-${i}`)));
    const pagesOf = (path: string) => sim.requests.filter((r) => r.path === path).length;
    // Three service IDs in two pages: read once for all four people's four steps.
    expect(pagesOf('/v1/serviceids')).toBe(2);
    expect(pagesOf('/v1/apikeys/details')).toBe(1);
  });
});
