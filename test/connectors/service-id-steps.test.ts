import { describe, expect, it } from 'vitest';
import { readingFresh } from '../../src/connectors/read-fresh.js';
import type { Change, StepCapabilities, StepContext } from '../../src/connectors/connector.js';
import { IbmCloudClient } from '../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { serviceIdKeysStep } from '../../src/connectors/ibm-cloud/service-id-keys-step.js';
import { serviceIdsStep } from '../../src/connectors/ibm-cloud/service-ids-step.js';
import { ACME_PRODUCTION, JANE_EMAIL, SIM_IAM_IDS, SIM_NHI_IDS, defaultIbmSeed, type IbmCloudSeed } from '../../src/simulators/ibm-cloud/index.js';
import { ibmConfig, mutations, rejection, useIbmSimulator } from './ibm-cloud-harness.js';

const simulator = useIbmSimulator();
const { jane, janeSl } = SIM_IAM_IDS;
/** A second key on Jane's service ID that was disabled before anyone offboarded her. */
const DISABLED_BEFORE = 'ApiKey-0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a';

/** A request that disables what Jane created (then deletes it at the delete phase). */
function ctx(tx = 'tx-1', created: StepContext['created'] = { choice: 'disable' }): StepContext {
  return {
    created,
    requestId: 'req-1',
    scope: ACME_PRODUCTION,
    transactionId: tx,
    person: { requestId: 'req-1', slackUserId: 'U0JANE', email: JANE_EMAIL },
    identities: [
      { scope: ACME_PRODUCTION, id: jane, label: 'Jane Doe' },
      { scope: ACME_PRODUCTION, id: janeSl, label: 'Jane Doe (SL)' },
    ],
  };
}

function seedWithDisabledKey(): IbmCloudSeed {
  const seed = defaultIbmSeed();
  const template = seed.apiKeys.find((k) => k.id === SIM_NHI_IDS.ciPipelineKey)!;
  seed.apiKeys.push({ ...template, id: DISABLED_BEFORE, name: 'ci-pipeline-old', disabled: true, activity: { authn_count: 3 } });
  return seed;
}

async function collect(changes: AsyncIterable<Change>): Promise<Change[]> {
  const out: Change[] = [];
  for await (const c of changes) out.push(c);
  return out;
}

/** Inventory, act and read back, as the step runner drives a phase. */
async function runPhase(step: StepCapabilities, phase: 'disable' | 'delete', c = ctx()) {
  const action = step[phase]!;
  const { found } = await step.inventory(c);
  const changes = await collect(action.act(c, found));
  return { found, changes, readBack: await action.readBack(c, []) };
}

const keysStep = (client: IbmCloudClient) => serviceIdKeysStep(client.inAccount(ACME_PRODUCTION), ACME_PRODUCTION);
const sidStep = (client: IbmCloudClient) => serviceIdsStep(client.inAccount(ACME_PRODUCTION), ACME_PRODUCTION);

describe('the keys of the service IDs a person created, at the disable phase', () => {
  it("disables every key of Jane's service ID and reads them back disabled; keys on others' service IDs and her credential's key keep working", async () => {
    const { sim, client } = await simulator();
    const { found, changes, readBack } = await runPhase(keysStep(client), 'disable');

    expect(found).toEqual([
      expect.objectContaining({ id: SIM_NHI_IDS.ciPipelineKey, label: 'ci-pipeline-key (service ID ci-pipeline)', lastUsed: '2025-01-14T07:59:00.000Z' }),
    ]);
    expect(found[0]!.detail).toContain('used 30211 times');
    expect(changes).toEqual([{ id: SIM_NHI_IDS.ciPipelineKey, label: found[0]!.label, outcome: 'disabled', snapshot: { disabled: false } }]);
    expect(readBack).toEqual({ confirmed: true, remaining: [] });
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled).toBe(true);
    expect(sim.apiKey(SIM_NHI_IDS.logShipperJaneKey)?.disabled).toBe(false);
    expect(sim.apiKey(SIM_NHI_IDS.mintedKey)?.disabled).toBe(false);
    expect(mutations(sim).map((r) => `${r.method} ${r.path} ${r.transactionId}`)).toEqual([`POST /v1/apikeys/${SIM_NHI_IDS.ciPipelineKey}/disable tx-1`]);
    // Which service IDs were minted for credentials is read once, not again at the read-back.
    expect(sim.requests.filter((r) => r.path === '/v2/resource_keys')).toHaveLength(1);
  });

  it('records a key disabled before as already so, with nothing to restore', async () => {
    const { sim, client } = await simulator({ seed: seedWithDisabledKey() });
    const { changes } = await runPhase(keysStep(client), 'disable');
    expect(changes.find((c) => c.id === DISABLED_BEFORE)).toEqual({
      id: DISABLED_BEFORE,
      label: 'ci-pipeline-old (service ID ci-pipeline)',
      outcome: 'already_absent',
      detail: 'already disabled',
    });
    expect(mutations(sim).map((r) => r.path)).toEqual([`/v1/apikeys/${SIM_NHI_IDS.ciPipelineKey}/disable`]);
  });

  it('is not confirmed while a key of hers is enabled again, and names it', async () => {
    const { sim, client } = await simulator();
    const step = keysStep(client);
    const { found } = await step.inventory(ctx());
    await collect(step.disable!.act(ctx(), found));
    sim.enableKey(SIM_NHI_IDS.ciPipelineKey);
    const readBack = await step.disable!.readBack(ctx(), []);
    expect(readBack.confirmed).toBe(false);
    expect(readBack.remaining.map((r) => r.id)).toEqual([SIM_NHI_IDS.ciPipelineKey]);
  });

  it('finds a service ID and key she made after the disable, enabled: what a re-scan alerts on', async () => {
    const { sim, client } = await simulator();
    const step = keysStep(client);
    await runPhase(step, 'disable');
    const late = sim.createServiceId({ accountId: ACME_PRODUCTION, name: 'shadow-deployer', createdBy: jane });
    const key = sim.createApiKey({ accountId: ACME_PRODUCTION, iamId: late.iam_id, name: 'shadow-key', createdBy: jane });
    // A re-scan reads the account as it is now, never a listing made before it asked.
    const { found } = await readingFresh(() => step.inventory(ctx('tx-rescan')));
    expect(found.filter((f) => f.state !== 'disabled').map((f) => [f.id, f.label])).toEqual([[key.id, 'shadow-key (service ID shadow-deployer)']]);
  });

  it('confirms a disable whose answer was lost as made by the step, from how IAM shows the key now', async () => {
    const { sim, client } = await simulator();
    const step = keysStep(client);
    const { found } = await step.inventory(ctx());
    sim.inject({ method: 'POST', path: '/disable', status: 503, afterApply: true, times: 1 });
    expect((await rejection(collect(step.disable!.act(ctx(), found)))).name).toBe('RetryableError');
    const now = (await step.inventory(ctx('tx-2'))).found.find((f) => f.id === SIM_NHI_IDS.ciPipelineKey);
    expect(step.disable!.confirm!(found[0]!, now)).toMatchObject({ id: SIM_NHI_IDS.ciPipelineKey, outcome: 'disabled', snapshot: { disabled: false } });
    // A key found disabled in the first place was not disabled by the step.
    expect(step.disable!.confirm!(now!, now)).toBeUndefined();
  });

  it('fails for good when IAM refuses, and disables nothing', async () => {
    const { sim, client } = await simulator();
    sim.inject({ method: 'POST', path: '/disable', status: 403 });
    const step = keysStep(client);
    const { found } = await step.inventory(ctx());
    const err = await rejection(collect(step.disable!.act(ctx(), found)));
    expect(err.name).toBe('PermanentError');
    expect(err.message).toMatch(/disable API key: permission denied/);
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled).toBe(false);
  });

  it('at the delete phase, disables again only a key made on her service ID since, before the service IDs step deletes them', async () => {
    const { sim, client } = await simulator();
    await runPhase(keysStep(client), 'disable');
    const since = sim.createApiKey({
      accountId: ACME_PRODUCTION,
      iamId: sim.serviceId(SIM_NHI_IDS.ciPipeline)!.iam_id,
      name: 'made-since',
      createdBy: SIM_IAM_IDS.alex,
    });
    // The deletion comes at the grace period's end, long after the 30 s a listing is shared: as then, a client with none kept.
    const later = new IbmCloudClient(ibmConfig(sim.url));
    const { changes, readBack } = await runPhase(keysStep(later), 'delete', ctx('tx-2'));

    expect(changes.map((c) => [c.id, c.outcome])).toEqual([
      [SIM_NHI_IDS.ciPipelineKey, 'already_absent'],
      [since.id, 'disabled'],
    ]);
    expect(readBack).toEqual({ confirmed: true, remaining: [] });
    expect(sim.apiKey(since.id)?.disabled).toBe(true);
  });
});

describe('reinstating', () => {
  it('re-enables exactly the keys the step disabled, never one disabled before, and reads them back', async () => {
    const { sim, client } = await simulator({ seed: seedWithDisabledKey() });
    const step = keysStep(client);
    const { changes } = await runPhase(step, 'disable');
    // As the runner restores: from the changes that carry a snapshot.
    const snapshots = changes.filter((c) => c.snapshot && c.outcome === 'disabled');
    const restored = await collect(step.restore!.act(ctx('tx-r'), snapshots));
    expect(restored.map((c) => [c.id, c.outcome])).toEqual([[SIM_NHI_IDS.ciPipelineKey, 'restored']]);
    expect(await step.restore!.readBack(ctx('tx-r'), restored)).toEqual({ confirmed: true, remaining: [] });
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled).toBe(false);
    expect(sim.apiKey(DISABLED_BEFORE)?.disabled).toBe(true);
  });

  it('twice changes nothing more', async () => {
    const { sim, client } = await simulator();
    const step = keysStep(client);
    const snapshots = (await runPhase(step, 'disable')).changes;
    await collect(step.restore!.act(ctx('tx-r'), snapshots));
    const again = await collect(step.restore!.act(ctx('tx-r2'), snapshots));
    expect(again.map((c) => c.outcome)).toEqual(['restored']);
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled).toBe(false);
  });

  it('records a key deleted since as one that cannot come back', async () => {
    const { sim, client } = await simulator();
    const step = keysStep(client);
    const snapshots = (await runPhase(step, 'disable')).changes;
    await client.deleteApiKey(SIM_NHI_IDS.ciPipelineKey, 'someone-else');
    const restored = await collect(step.restore!.act(ctx('tx-r'), snapshots));
    expect(restored).toEqual([expect.objectContaining({ outcome: 'already_absent', detail: 'deleted since; cannot be re-enabled' })]);
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)).toBeUndefined();
  });
});

describe('the service IDs a person created, at the delete phase', () => {
  it("deletes her service ID with its keys and reads it back gone; Alex's and the one minted for her credential stay", async () => {
    const { sim, client } = await simulator();
    const step = sidStep(client);
    expect(step.disable).toBeUndefined();
    const { found, changes, readBack } = await runPhase(step, 'delete');
    // Alex granted it a policy: the preview warns that another team depends on it.
    expect(found).toEqual([
      {
        id: SIM_NHI_IDS.ciPipeline,
        label: 'service ID ci-pipeline',
        detail: `with its API key ci-pipeline-key (${SIM_NHI_IDS.ciPipelineKey})`,
        createdAt: expect.any(String),
        warning: `another team depends on it: ${SIM_IAM_IDS.alex} granted it access`,
        // Where the successor finds it in the console.
        link: `https://cloud.ibm.com/iam/serviceids/${SIM_NHI_IDS.ciPipeline}?bss_account=${ACME_PRODUCTION}`,
      },
    ]);
    expect(changes).toEqual([
      {
        id: SIM_NHI_IDS.ciPipeline,
        label: 'service ID ci-pipeline',
        outcome: 'removed',
        detail: `deleted with its API key ci-pipeline-key (${SIM_NHI_IDS.ciPipelineKey})`,
      },
    ]);
    expect(readBack).toEqual({ confirmed: true, remaining: [] });
    expect(sim.serviceId(SIM_NHI_IDS.ciPipeline)).toBeUndefined();
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)).toBeUndefined();
    expect(sim.serviceId(SIM_NHI_IDS.logShipper)).toBeDefined();
    expect(sim.apiKey(SIM_NHI_IDS.logShipperJaneKey)).toBeDefined();
    expect(sim.serviceId(SIM_NHI_IDS.mintedServiceId)).toBeDefined();
  });

  it('records a service ID already gone as such', async () => {
    const { client } = await simulator();
    const step = sidStep(client);
    const { found } = await step.inventory(ctx());
    await client.deleteServiceId(SIM_NHI_IDS.ciPipeline, 'someone-else');
    expect(await collect(step.delete!.act(ctx(), found))).toEqual([expect.objectContaining({ outcome: 'already_absent' })]);
  });

  it('retries later when IAM answers 409 (a locked key), and deletes nothing', async () => {
    const seed = defaultIbmSeed();
    seed.apiKeys.find((k) => k.id === SIM_NHI_IDS.ciPipelineKey)!.locked = true;
    const { sim, client } = await simulator({ seed });
    const step = sidStep(client);
    const { found } = await step.inventory(ctx());
    const err = await rejection(collect(step.delete!.act(ctx(), found)));
    expect(err.name).toBe('RetryableError');
    expect(sim.serviceId(SIM_NHI_IDS.ciPipeline)).toBeDefined();
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)).toBeDefined();
  });
});

describe('what the person created, handed over to the successor', () => {
  const handOver = () => ctx('tx-1', { choice: 'hand_over', successor: 'Taylor Lee' });

  it('keeps every key and service ID working, recorded as handed over, and changes nothing in IAM', async () => {
    const { sim, client } = await simulator();
    const keys = await runPhase(keysStep(client), 'disable', handOver());
    const serviceIds = await runPhase(sidStep(client), 'delete', handOver());

    expect(keys.changes).toEqual([
      { id: SIM_NHI_IDS.ciPipelineKey, label: 'ci-pipeline-key (service ID ci-pipeline)', outcome: 'kept', detail: 'handed over to Taylor Lee; left working' },
    ]);
    expect(serviceIds.changes).toEqual([
      { id: SIM_NHI_IDS.ciPipeline, label: 'service ID ci-pipeline', outcome: 'kept', detail: 'handed over to Taylor Lee; left working' },
    ]);
    expect([keys.readBack, serviceIds.readBack]).toEqual([
      { confirmed: true, remaining: [] },
      { confirmed: true, remaining: [] },
    ]);
    expect(mutations(sim)).toEqual([]);
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled).toBe(false);
  });

  it('keeps a service ID of hers with no API key at the disable phase too, with its last use and console link, so the successor hears of it then', async () => {
    const { sim, client } = await simulator();
    const empty = sim.createServiceId({ accountId: ACME_PRODUCTION, name: 'empty-deployer', createdBy: jane });
    const { found, changes, readBack } = await runPhase(keysStep(client), 'disable', handOver());

    expect(found.find((f) => f.id === empty.id)).toEqual(
      expect.objectContaining({
        label: 'service ID empty-deployer (no API key)',
        kind: 'service ID with no API key',
        useCount: 0,
        link: `https://cloud.ibm.com/iam/serviceids/${empty.id}?bss_account=${ACME_PRODUCTION}`,
      }),
    );
    // Counted by kind beside it, so the preview does not count a service ID as a key.
    expect(found.find((f) => f.id === SIM_NHI_IDS.ciPipelineKey)?.kind).toBe('API key');
    expect(changes.find((c) => c.id === empty.id)).toEqual({
      id: empty.id,
      label: 'service ID empty-deployer (no API key)',
      outcome: 'kept',
      detail: 'handed over to Taylor Lee; left working',
    });
    expect(readBack).toEqual({ confirmed: true, remaining: [] });
    expect(mutations(sim)).toEqual([]);
  });

  it('lists no service ID with the keys when what they created is disabled: the service IDs step deletes it at the delete phase', async () => {
    const { sim, client } = await simulator();
    const empty = sim.createServiceId({ accountId: ACME_PRODUCTION, name: 'empty-deployer', createdBy: jane });
    const keys = await runPhase(keysStep(client), 'disable');

    expect(keys.found.map((f) => f.id)).not.toContain(empty.id);
    expect(keys.found.every((f) => f.kind === undefined)).toBe(true);
    expect(sim.serviceId(empty.id)).toBeDefined();
  });

  it('keeps them too on a request that does not say (filed before the choice was asked), saying why', async () => {
    const { sim, client } = await simulator();
    const { changes } = await runPhase(keysStep(client), 'disable', { ...ctx(), created: undefined });
    expect(changes.map((c) => [c.outcome, c.detail])).toEqual([['kept', 'left working: the request does not say what happens to what they created']]);
    expect(mutations(sim)).toEqual([]);
  });
});

describe('what the person created, to be deleted (Delete with a grace period)', () => {
  const toDelete = () => ctx('tx-1', { choice: 'delete' });

  it('keeps every key working at the disable phase, saying until when, changes nothing in IAM, and offers no rotation', async () => {
    const { sim, client } = await simulator();
    const { found, changes, readBack } = await runPhase(keysStep(client), 'disable', toDelete());

    expect(changes).toEqual([
      {
        id: SIM_NHI_IDS.ciPipelineKey,
        label: 'ci-pipeline-key (service ID ci-pipeline)',
        outcome: 'kept',
        detail: 'left working through the grace period, as the request chose Delete: deleted with its service ID when the grace period ends',
      },
    ]);
    expect(found.some((f) => f.rotate)).toBe(false);
    expect(readBack).toEqual({ confirmed: true, remaining: [] });
    expect(mutations(sim)).toEqual([]);
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled).toBe(false);
  });

  it('at the delete phase disables the keys, then deletes the service ID with them, each read back', async () => {
    const { sim, client } = await simulator();
    const keys = await runPhase(keysStep(client), 'delete', toDelete());
    const serviceIds = await runPhase(sidStep(client), 'delete', toDelete());

    expect(keys.changes).toEqual([
      { id: SIM_NHI_IDS.ciPipelineKey, label: 'ci-pipeline-key (service ID ci-pipeline)', outcome: 'disabled', snapshot: { disabled: false } },
    ]);
    expect(serviceIds.changes.map((c) => [c.id, c.outcome])).toEqual([[SIM_NHI_IDS.ciPipeline, 'removed']]);
    expect([keys.readBack, serviceIds.readBack]).toEqual([
      { confirmed: true, remaining: [] },
      { confirmed: true, remaining: [] },
    ]);
    expect(sim.serviceId(SIM_NHI_IDS.ciPipeline)).toBeUndefined();
    expect(sim.apiKey(SIM_NHI_IDS.ciPipelineKey)).toBeUndefined();
  });
});

describe("the bot's own API key", () => {
  /** The bot runs as a key on the service ID Jane created, beside the pipeline's key. */
  function seedWithBotKeyOnJanesServiceId(): IbmCloudSeed {
    const seed = defaultIbmSeed();
    const template = seed.apiKeys.find((k) => k.id === SIM_NHI_IDS.ciPipelineKey)!;
    seed.apiKeys.push({ ...template, id: 'ApiKey-bot-on-ci-pipeline', name: 'offboard-bot' });
    seed.botApiKeyId = 'ApiKey-bot-on-ci-pipeline';
    return seed;
  }

  it('is never disabled: the step disables the other keys and fails naming it, and it keeps working', async () => {
    const { sim, client } = await simulator({ seed: seedWithBotKeyOnJanesServiceId() });
    const step = keysStep(client);
    const { found } = await step.inventory(ctx());
    const changes: Change[] = [];
    const err = await rejection(
      (async () => {
        for await (const c of step.disable!.act(ctx(), found)) changes.push(c);
      })(),
    );

    expect(err.message).toContain('offboard-bot (service ID ci-pipeline) (ApiKey-bot-on-ci-pipeline) is the API key the bot runs as (IBMCLOUD_API_KEY)');
    expect(changes.map((c) => [c.id, c.outcome])).toEqual([[SIM_NHI_IDS.ciPipelineKey, 'disabled']]);
    expect(sim.apiKey('ApiKey-bot-on-ci-pipeline')?.disabled).toBe(false);
    expect(mutations(sim).map((r) => r.path)).toEqual([`/v1/apikeys/${SIM_NHI_IDS.ciPipelineKey}/disable`]);
  });

  it('keeps the service ID it sits on from being deleted', async () => {
    const { sim, client } = await simulator({ seed: seedWithBotKeyOnJanesServiceId() });
    const step = sidStep(client);
    const { found } = await step.inventory(ctx());
    const err = await rejection(
      (async () => {
        for await (const _ of step.delete!.act(ctx(), found));
      })(),
    );
    expect(err.message).toContain('service ID ci-pipeline holds the API key the bot runs as (IBMCLOUD_API_KEY)');
    expect(sim.serviceId(SIM_NHI_IDS.ciPipeline)).toBeDefined();
    expect(mutations(sim)).toEqual([]);
  });
});
