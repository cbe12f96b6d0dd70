import { describe, expect, it } from 'vitest';
import { apiKeyRotation, resourceKeyRotation } from '../../../src/connectors/ibm-cloud/rotation.js';
import { ACME_PRODUCTION, SIM_NHI_IDS } from '../../../src/simulators/ibm-cloud/index.js';
import { mutations, rejection, useIbmSimulator } from '../ibm-cloud-harness.js';

const simulator = useIbmSimulator();

describe('rotating an API key on a service ID', () => {
  it('makes a key on the same service ID with its value stored, and answers with its id and name only, never its value', async () => {
    const { sim, client } = await simulator();
    const made = await apiKeyRotation(client, ACME_PRODUCTION).replace(SIM_NHI_IDS.ciPipelineKey, 'offboard-rotation-x', 'tx-r');
    const old = sim.apiKey(SIM_NHI_IDS.ciPipelineKey)!;
    expect(sim.apiKey(made.id)).toMatchObject({ name: 'offboard-rotation-x', iam_id: old.iam_id, disabled: false });
    expect(made.link).toContain(`/iam/serviceids/${SIM_NHI_IDS.ciPipeline}`);
    expect(sim.valueStored(made.id)).toBe(true);
    expect(mutations(sim).map((r) => [r.method, r.path, r.transactionId])).toEqual([['POST', '/v1/apikeys', 'tx-r']]);
    expect(JSON.stringify(made)).not.toContain(sim.issuedSecrets()[0]!);
  });

  it('asked again (a retry after a lost answer), takes the key the first call made instead of making a second', async () => {
    const { sim, client } = await simulator();
    const rotate = apiKeyRotation(client, ACME_PRODUCTION);
    const first = await rotate.replace(SIM_NHI_IDS.ciPipelineKey, 'offboard-rotation-x', 'tx-r');
    const again = await rotate.replace(SIM_NHI_IDS.ciPipelineKey, 'offboard-rotation-x', 'tx-r');
    expect(again.id).toBe(first.id);
    expect(sim.issuedSecrets()).toHaveLength(1);
  });

  it('disables the old key reversibly, reads its last use, deletes it; a key gone is no replacement to make', async () => {
    const { sim, client } = await simulator();
    const rotate = apiKeyRotation(client, ACME_PRODUCTION);
    expect(await rotate.read(SIM_NHI_IDS.ciPipelineKey)).toEqual({ disabled: false, lastUsed: '2025-01-14T07:59:00.000Z' });
    expect(await rotate.disable(SIM_NHI_IDS.ciPipelineKey, 'tx-d')).toBe(true);
    expect(await rotate.read(SIM_NHI_IDS.ciPipelineKey)).toMatchObject({ disabled: true });
    expect(await rotate.remove(SIM_NHI_IDS.ciPipelineKey, 'tx-x')).toBe(true);
    expect(await rotate.read(SIM_NHI_IDS.ciPipelineKey)).toBeUndefined();
    expect(await rotate.remove(SIM_NHI_IDS.ciPipelineKey, 'tx-x')).toBe(false);
    expect((await rejection(rotate.replace(SIM_NHI_IDS.ciPipelineKey, 'offboard-rotation-x', 'tx-r'))).message).toContain('no longer exists');
    expect(sim.issuedSecrets()).toEqual([]);
  });
});

describe('rotating a service credential', () => {
  it('makes one on the same instance with the same role, found again by name on a retry', async () => {
    const { sim, client } = await simulator();
    const rotate = resourceKeyRotation(client, ACME_PRODUCTION);
    const made = await rotate.replace(SIM_NHI_IDS.janeResourceKey, 'offboard-rotation-y', 'tx-r');
    const again = await rotate.replace(SIM_NHI_IDS.janeResourceKey, 'offboard-rotation-y', 'tx-r');
    expect(again.id).toBe(made.id);
    const key = sim.resourceKey(made.id)!;
    expect(key.source_crn).toBe(SIM_NHI_IDS.janeInstance);
    expect(key.credentials.iam_role_crn).toBe(sim.resourceKey(SIM_NHI_IDS.janeResourceKey)!.credentials.iam_role_crn);
    expect(sim.issuedSecrets()).toHaveLength(1);
    expect(JSON.stringify([made, again])).not.toContain(sim.issuedSecrets()[0]!);
  });

  it('reads and disables the API key IBM minted for it, and deletes the credential with that key', async () => {
    const { sim, client } = await simulator();
    const rotate = resourceKeyRotation(client, ACME_PRODUCTION);
    expect(await rotate.read(SIM_NHI_IDS.janeResourceKey)).toMatchObject({ disabled: false });
    expect(await rotate.disable(SIM_NHI_IDS.janeResourceKey, 'tx-d')).toBe(true);
    expect(sim.apiKey(SIM_NHI_IDS.mintedKey)!.disabled).toBe(true);
    expect(await rotate.remove(SIM_NHI_IDS.janeResourceKey, 'tx-x')).toBe(true);
    expect(await rotate.read(SIM_NHI_IDS.janeResourceKey)).toBeUndefined();
    expect(sim.apiKey(SIM_NHI_IDS.mintedKey)).toBeUndefined();
  });
});
