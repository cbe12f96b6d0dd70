import { IamAuthenticator } from '@ibm-cloud/platform-services/auth';
import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1';
import ResourceControllerV2 from '@ibm-cloud/platform-services/resource-controller/v2';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACME_PRODUCTION,
  ACME_STAGING,
  SIM_BOT_API_KEY,
  SIM_IAM_IDS,
  SIM_NHI_IDS,
  defaultIbmSeed,
  startIbmCloudSimulator,
  type IbmCloudSimulator,
  type IbmCloudSimulatorOptions,
} from '../../src/simulators/ibm-cloud/index.js';

const { jane, alex } = SIM_IAM_IDS;
const STAGING_PROFILE = 'Profile-b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';

async function status(p: Promise<{ status: number }>): Promise<number> {
  try {
    return (await p).status;
  } catch (err) {
    return (err as { status: number }).status;
  }
}

let sim: IbmCloudSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(opts?: IbmCloudSimulatorOptions) {
  const s = await startIbmCloudSimulator(opts);
  sim = s;
  const authenticator = new IamAuthenticator({ apikey: SIM_BOT_API_KEY, url: s.url });
  return {
    sim: s,
    identity: new IamIdentityV1({ authenticator, serviceUrl: s.url }),
    resources: new ResourceControllerV2({ authenticator, serviceUrl: s.url }),
  };
}

describe('service IDs: who created them, what they did, and deleting them', () => {
  it('names the creator in the earliest history record, read with include_history; later records name whoever changed it', async () => {
    const { identity } = await start();
    const { result } = await identity.getServiceId({ id: SIM_NHI_IDS.ciPipeline, includeHistory: true });
    expect(result.history!.map((h) => h.iam_id)).toEqual([jane, alex]);
    expect(result.activity).toBeUndefined();
    expect((await identity.getServiceId({ id: SIM_NHI_IDS.ciPipeline })).result.history).toBeUndefined();
  });

  it('answers its sign-ins (those of its keys) only to a single read with include_activity', async () => {
    const { identity } = await start();
    const { result } = await identity.getServiceId({ id: SIM_NHI_IDS.ciPipeline, includeActivity: true });
    expect(result.activity).toEqual({ last_authn: '2025-01-14T07:59:00.000Z', authn_count: 30211 });
    const listed = await identity.listServiceIds({ accountId: ACME_PRODUCTION, includeHistory: true });
    expect(listed.result.serviceids.some((s) => s.activity !== undefined)).toBe(false);
  });

  it("lists every service ID key of the account with who created it, Jane's key on Alex's service ID among them", async () => {
    const { identity } = await start();
    const { result } = await identity.listApiKeys({ accountId: ACME_PRODUCTION, scope: 'account', type: 'serviceid', pagesize: 100 });
    const onLogShipper = result.apikeys.filter((k) => k.iam_id === `iam-${SIM_NHI_IDS.logShipper}`);
    expect(onLogShipper.map((k) => [k.name, k.created_by]).sort()).toEqual([
      ['log-shipper-primary', alex],
      ['siem-forwarder', jane],
    ]);
    expect(result.apikeys.every((k) => k.iam_id.startsWith('iam-ServiceId-'))).toBe(true);
  });

  it('deletes a service ID with every key of it; both are then 404', async () => {
    const { sim, identity } = await start();
    expect((await identity.deleteServiceId({ id: SIM_NHI_IDS.ciPipeline })).status).toBe(204);
    expect(sim.serviceId(SIM_NHI_IDS.ciPipeline)).toBeUndefined();
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)).toBeUndefined();
    expect(await status(identity.getServiceId({ id: SIM_NHI_IDS.ciPipeline }))).toBe(404);
    expect(await status(identity.deleteServiceId({ id: SIM_NHI_IDS.ciPipeline }))).toBe(404);
  });

  it('refuses with 409 to delete a service ID one of whose keys is locked, and deletes nothing', async () => {
    const seed = defaultIbmSeed();
    seed.apiKeys.find((k) => k.id === SIM_NHI_IDS.ciPipelineKey)!.locked = true;
    const { sim, identity } = await start({ seed });
    expect(await status(identity.deleteServiceId({ id: SIM_NHI_IDS.ciPipeline }))).toBe(409);
    expect(sim.serviceId(SIM_NHI_IDS.ciPipeline)).toBeDefined();
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)).toBeDefined();
  });

  it('keeps listing a deleted service ID and its keys for the consistency delay', async () => {
    const { sim, identity } = await start({ consistencyDelayMs: 300 });
    await identity.deleteServiceId({ id: SIM_NHI_IDS.ciPipeline });
    expect(sim.serviceId(SIM_NHI_IDS.ciPipeline)).toBeUndefined();
    const listed = await identity.listServiceIds({ accountId: ACME_PRODUCTION });
    expect(listed.result.serviceids.map((s) => s.id)).toContain(SIM_NHI_IDS.ciPipeline);
    await new Promise((r) => setTimeout(r, 350));
    const later = await identity.listServiceIds({ accountId: ACME_PRODUCTION });
    expect(later.result.serviceids.map((s) => s.id)).not.toContain(SIM_NHI_IDS.ciPipeline);
    const keys = await identity.listApiKeys({ accountId: ACME_PRODUCTION, scope: 'account', type: 'serviceid' });
    expect(keys.result.apikeys.map((k) => k.id)).not.toContain(SIM_NHI_IDS.ciPipelineKey);
  });

  it('disables and re-enables a service ID key like a user key', async () => {
    const { sim, identity } = await start();
    expect((await identity.disableApiKey({ id: SIM_NHI_IDS.ciPipelineKey })).status).toBe(204);
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled).toBe(true);
    expect((await identity.enableApiKey({ id: SIM_NHI_IDS.ciPipelineKey })).status).toBe(204);
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled).toBe(false);
  });
});

describe('trusted profiles: history', () => {
  it('lists a profile with its history when asked, and reads one with its history and activity', async () => {
    const { identity } = await start();
    const listed = await identity.listProfiles({ accountId: ACME_STAGING, includeHistory: true });
    expect(listed.result.profiles[0]!.history![0]!.iam_id).toBe(jane);
    expect((await identity.listProfiles({ accountId: ACME_STAGING })).result.profiles[0]!.history).toBeUndefined();
    const { result } = await identity.getProfile({ profileId: STAGING_PROFILE, includeActivity: true });
    expect(result.history![0]!.iam_id).toBe(jane);
    expect(result.activity).toEqual({ authn_count: 0 });
  });

  it("keeps a profile's sign-ins out of every listing: only a single read with include_activity answers them", async () => {
    const seed = defaultIbmSeed();
    const activity = { last_authn: '2025-01-12T10:00:00.000Z', authn_count: 17 };
    seed.profiles.find((p) => p.id === STAGING_PROFILE)!.activity = activity;
    const { identity } = await start({ seed });
    const listed = await identity.listProfiles({ accountId: ACME_STAGING, includeHistory: true });
    expect(listed.result.profiles.map((p) => p.activity)).toEqual(listed.result.profiles.map(() => undefined));
    expect((await identity.getProfile({ profileId: STAGING_PROFILE })).result.activity).toBeUndefined();
    expect((await identity.getProfile({ profileId: STAGING_PROFILE, includeActivity: true })).result.activity).toEqual(activity);
  });
});

describe('Resource Controller: service credentials and instances', () => {
  it("lists the keys of the token's account with created_by and the service ID and API key IBM minted for each", async () => {
    const { resources } = await start();
    const { result } = await resources.listResourceKeys({});
    const janes = result.resources.find((k) => k.id === SIM_NHI_IDS.janeResourceKey)!;
    expect(janes).toMatchObject({ name: 'ci-artifacts-writer', created_by: jane, source_crn: SIM_NHI_IDS.janeInstance, account_id: ACME_PRODUCTION });
    expect(janes.credentials).toMatchObject({
      iam_apikey_id: SIM_NHI_IDS.mintedKey,
      iam_serviceid_crn: expect.stringMatching(/::serviceid:ServiceId-3c4d5e6f/),
    });
    expect(result.resources.find((k) => k.id === SIM_NHI_IDS.alexResourceKey)?.created_by).toBe(alex);
    expect(result.next_url).toBeNull();
  });

  it('pages keys and instances through next_url, which the SDK pagers follow to the end', async () => {
    const seed = defaultIbmSeed();
    const template = seed.resourceKeys[0]!;
    for (let i = 0; i < 5; i++)
      seed.resourceKeys.push({ ...template, id: `${template.id}-${i}`, guid: `g-${i}`, crn: `${template.crn}-${i}`, created_by: alex });
    const { sim, resources } = await start({ seed, pageSize: 2 });
    const first = await resources.listResourceKeys({ limit: 100 });
    expect(first.result.rows_count).toBe(2);
    expect(first.result.next_url).toMatch(/^\/v2\/resource_keys\?.*start=/);
    const keys = await new ResourceControllerV2.ResourceKeysPager(resources, { limit: 100 }).getAll();
    expect(keys).toHaveLength(7);
    expect(new Set(keys.map((k) => k.id)).size).toBe(7);
    const instances = await new ResourceControllerV2.ResourceInstancesPager(resources, {}).getAll();
    expect(instances.map((i) => [i.name, i.created_by]).sort()).toEqual([
      ['ci-artifacts', jane],
      ['prod-logs', alex],
    ]);
    expect(sim.requests.filter((r) => r.path === '/v2/resource_keys').length).toBe(1 + 4);
  });

  it("never answers for another account than the token's, which has no parameter to name one", async () => {
    const seed = defaultIbmSeed();
    const instance = { ...seed.resourceInstances[0]!, id: 'crn:staging-instance', guid: 'staging-guid', crn: 'crn:staging-instance', account_id: ACME_STAGING };
    seed.resourceInstances.push(instance);
    const { resources } = await start({ seed });
    const { result } = await resources.listResourceInstances({});
    expect(result.resources.map((i) => i.account_id)).toEqual([ACME_PRODUCTION, ACME_PRODUCTION]);
    expect(await status(resources.getResourceInstance({ id: 'crn:staging-instance' }))).toBe(404);
  });

  it('lists only active and provisioning instances unless a state is asked for', async () => {
    const seed = defaultIbmSeed();
    seed.resourceInstances[1]!.state = 'removed';
    const { resources } = await start({ seed });
    expect((await resources.listResourceInstances({})).result.resources.map((i) => i.name)).toEqual(['ci-artifacts']);
    expect((await resources.listResourceInstances({ state: 'removed' })).result.resources.map((i) => i.name)).toEqual(['prod-logs']);
  });

  it('fails a listing with the injected fault, and the page after it passes', async () => {
    const { sim, resources } = await start({ pageSize: 1 });
    sim.inject({ path: '/v2/resource_keys', status: 429, retryAfterSeconds: 2, after: 1, times: 1 });
    const first = await resources.listResourceKeys({});
    const start2 = new URL(first.result.next_url, sim.url).searchParams.get('start')!;
    const err = (await resources.listResourceKeys({ start: start2 }).catch((e: unknown) => e)) as { status: number; headers: Record<string, string> };
    expect(err.status).toBe(429);
    expect(err.headers['retry-after']).toBe('2');
    expect((await resources.listResourceKeys({ start: start2 })).result.rows_count).toBe(1);
  });
});

describe('the activity report', () => {
  it('answers 202 with a reference, 204 while generating, then 200 with the inactive identities', async () => {
    const { sim, identity } = await start({ reportGenerationMs: 60_000 });
    const created = await identity.createReport({ accountId: ACME_PRODUCTION, type: 'inactive', duration: '720' });
    expect(created.status).toBe(202);
    const { reference } = created.result;
    expect(reference).toMatch(/\S/);
    expect((await identity.getReport({ accountId: ACME_PRODUCTION, reference })).status).toBe(204);
    expect((await identity.getReport({ accountId: ACME_PRODUCTION, reference: 'latest' })).status).toBe(204);

    sim.setReportGeneration(0);
    const ready = await identity.getReport({ accountId: ACME_PRODUCTION, reference });
    expect(ready.status).toBe(200);
    expect(ready.result).toMatchObject({ reference, created_by: alex, report_duration: '720' });
    // Nobody in the seed signed in within 30 days of now: everyone is inactive, with their last sign-in.
    expect(ready.result.users!.find((u) => u.iam_id === jane)).toMatchObject({ email: 'jane.doe@acme.example', last_authn: '2025-01-14T08:30:00.000Z' });
    expect(ready.result.apikeys!.find((k) => k.id === SIM_NHI_IDS.ciPipelineKey)).toMatchObject({
      type: 'serviceid',
      serviceid: { id: SIM_NHI_IDS.ciPipeline, name: 'ci-pipeline' },
      last_authn: '2025-01-14T07:59:00.000Z',
    });
    expect(ready.result.serviceids!.map((s) => s.name).sort()).toEqual(['ci-artifacts-writer', 'ci-pipeline', 'log-shipper']);
  });

  it('leaves out whoever signed in within the duration', async () => {
    const { sim, identity } = await start();
    sim.useApiKey(SIM_NHI_IDS.ciPipelineKey);
    const { reference } = (await identity.createReport({ accountId: ACME_PRODUCTION, type: 'inactive', duration: '24' })).result;
    const { result } = await identity.getReport({ accountId: ACME_PRODUCTION, reference });
    expect(result.apikeys!.map((k) => k.id)).not.toContain(SIM_NHI_IDS.ciPipelineKey);
    expect(result.serviceids!.map((s) => s.id)).not.toContain(SIM_NHI_IDS.ciPipeline);
  });

  it('keeps only the latest report: a former reference, and any unknown one, is 404', async () => {
    const { identity } = await start();
    expect(await status(identity.getReport({ accountId: ACME_PRODUCTION, reference: 'latest' }))).toBe(404);
    const first = (await identity.createReport({ accountId: ACME_PRODUCTION, type: 'inactive', duration: '720' })).result.reference;
    const second = (await identity.createReport({ accountId: ACME_PRODUCTION, type: 'inactive', duration: '720' })).result.reference;
    expect(await status(identity.getReport({ accountId: ACME_PRODUCTION, reference: first }))).toBe(404);
    expect(await status(identity.getReport({ accountId: ACME_PRODUCTION, reference: second }))).toBe(200);
    expect(await status(identity.getReport({ accountId: ACME_PRODUCTION, reference: 'no-such-report' }))).toBe(404);
    // Each account keeps its own.
    expect(await status(identity.getReport({ accountId: ACME_STAGING, reference: 'latest' }))).toBe(404);
  });

  it('serves a report a test files as of a later time: its window ends then, and a user silent since signing in is listed with that sign-in', async () => {
    const { sim, identity } = await start();
    const asOf = new Date(Date.now() + 2 * 3_600_000);
    const signedIn = new Date(Date.now() + 60_000).toISOString();
    sim.signIn(jane, signedIn);
    const reference = sim.fileReport(ACME_PRODUCTION, { asOf, durationHours: 1 });
    const { status: code, result } = await identity.getReport({ accountId: ACME_PRODUCTION, reference: 'latest' });
    expect(code).toBe(200);
    expect(result).toMatchObject({ reference, report_duration: '1', report_end_time: asOf.toISOString() });
    expect(result.users!.find((u) => u.iam_id === jane)).toMatchObject({ last_authn: signedIn });

    sim.fileReport(ACME_PRODUCTION, { readyInMs: 60_000 });
    expect((await identity.getReport({ accountId: ACME_PRODUCTION, reference: 'latest' })).status).toBe(204);
    expect(await status(identity.getReport({ accountId: ACME_PRODUCTION, reference }))).toBe(404);
  });
});
