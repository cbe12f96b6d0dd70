import { describe, expect, it } from 'vitest';
import type { StepContext } from '../../src/connectors/connector.js';
import { apiKeysStep } from '../../src/connectors/ibm-cloud/api-keys-step.js';
import { policiesStep } from '../../src/connectors/ibm-cloud/policies-step.js';
import { ACME_PRODUCTION, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { useIbmSimulator } from './ibm-cloud-harness.js';

const start = useIbmSimulator();
const ctx: StepContext = {
  requestId: 'OFF-CONFIRM',
  scope: ACME_PRODUCTION,
  transactionId: 'tx-confirm',
  person: { requestId: 'OFF-CONFIRM', slackUserId: 'U1', email: 'jane.doe@acme.example' },
  identities: [{ scope: ACME_PRODUCTION, id: SIM_IAM_IDS.jane, label: 'Jane Doe' }],
};

describe('what a later execution may claim of an earlier one whose answer was lost', () => {
  it('a key found disabled that was enabled when first found was disabled by us, with the snapshot to enable it again', async () => {
    const { client } = await start();
    const step = apiKeysStep(client, ACME_PRODUCTION);
    const [first] = (await step.inventory(ctx)).found;
    expect(first!.state).toBeUndefined();
    await client.disableApiKey(first!.id, 'tx-lost');
    const now = (await step.inventory(ctx)).found.find((k) => k.id === first!.id);
    expect(step.disable!.confirm!(first!, now)).toEqual({
      id: first!.id,
      label: first!.label,
      outcome: 'disabled',
      owner: SIM_IAM_IDS.jane,
      snapshot: { disabled: false, iamId: SIM_IAM_IDS.jane },
    });
  });

  it('a key the person had disabled before is never claimed, and a key found deleted was not disabled by a disable', async () => {
    const { client } = await start();
    const step = apiKeysStep(client, ACME_PRODUCTION);
    const [key] = (await step.inventory(ctx)).found;
    await client.disableApiKey(key!.id, 'tx-theirs');
    const alreadyDisabled = (await step.inventory(ctx)).found.find((k) => k.id === key!.id)!;
    expect(step.disable!.confirm!(alreadyDisabled, alreadyDisabled)).toBeUndefined();
    expect(step.disable!.confirm!(key!, undefined)).toBeUndefined();
    // Still listed as it was: not changed at all.
    const [other] = (await step.inventory(ctx)).found.filter((k) => k.id !== key!.id);
    expect(step.disable!.confirm!(other!, other)).toBeUndefined();
  });

  it('a policy found gone was removed by us, with its whole document kept to re-create it; one still listed was not', async () => {
    const { client } = await start();
    const step = policiesStep(client, ACME_PRODUCTION);
    const [policy] = (await step.inventory(ctx)).found;
    expect(step.disable!.confirm!(policy!, policy)).toBeUndefined();
    expect(step.disable!.confirm!(policy!, undefined)).toEqual({
      id: policy!.id,
      label: policy!.label,
      outcome: 'removed',
      owner: SIM_IAM_IDS.jane,
      snapshot: { document: policy!.document, iamId: SIM_IAM_IDS.jane },
    });
  });
});
