import { describe, expect, it } from 'vitest';
import type { StepContext } from '../../../src/connectors/connector.js';
import { apiKeysStep } from '../../../src/connectors/ibm-cloud/api-keys-step.js';
import { ACME_PRODUCTION, JANE_EMAIL, SIM_IAM_IDS } from '../../../src/simulators/ibm-cloud/index.js';
import { rejection, useIbmSimulator } from '../ibm-cloud-harness.js';

const simulator = useIbmSimulator();
const { jane, janeSl } = SIM_IAM_IDS;
const CI_KEY = 'ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829';
const TERRAFORM_KEY = 'ApiKey-2d3e4f50-6172-4c83-8d94-e5f60718293a';
const SL_AUTOMATION_KEY = 'ApiKey-5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const JANES_KEYS = [CI_KEY, TERRAFORM_KEY, SL_AUTOMATION_KEY];

function ctx(extra: Partial<StepContext> = {}): StepContext {
  return {
    requestId: 'req-1',
    scope: ACME_PRODUCTION,
    transactionId: 'tx-1',
    person: { requestId: 'req-1', slackUserId: 'U0JANE', email: JANE_EMAIL },
    identities: [
      { scope: ACME_PRODUCTION, id: jane, label: 'Jane Doe' },
      { scope: ACME_PRODUCTION, id: janeSl, label: 'Jane Doe (SL)' },
    ],
    ...extra,
  };
}

describe("the person's user API keys: last use comes from one single read per key, only when the look asks for it", () => {
  it("a look asking for last use (a re-scan, the preview) reads each of Jane's keys once with include_activity, and no one else's", async () => {
    const { sim, client } = await simulator();
    sim.useApiKey(CI_KEY, '2031-01-02T03:04:05.000Z');
    const step = apiKeysStep(client.inAccount(ACME_PRODUCTION), ACME_PRODUCTION);

    const { found } = await step.inventory(ctx({ lastUse: true }));

    expect(found.find((f) => f.id === CI_KEY)).toMatchObject({
      lastUsed: '2031-01-02T03:04:05.000Z',
      detail: expect.stringContaining('last 2031-01-02T03:04:05.000Z'),
    });
    expect(found.find((f) => f.id === TERRAFORM_KEY)).toMatchObject({ lastUsed: '2024-12-19T11:02:55.000Z' });
    const singleReads = sim.requests.filter((r) => r.method === 'GET' && /^\/v1\/apikeys\/ApiKey-/.test(r.path));
    expect(singleReads.map((r) => r.path.split('/').at(-1)).sort()).toEqual([...JANES_KEYS].sort());
    expect(singleReads.every((r) => r.query.include_activity === 'true')).toBe(true);
  });

  it('a phase inventory and its read-back make no single read, and so know no last use: IAM lists keys without it', async () => {
    const { sim, client } = await simulator();
    sim.useApiKey(CI_KEY, '2031-01-02T03:04:05.000Z');
    const step = apiKeysStep(client.inAccount(ACME_PRODUCTION), ACME_PRODUCTION);

    const { found } = await step.inventory(ctx());
    await step.disable!.readBack(ctx(), found);

    expect(found.map((f) => f.id).sort()).toEqual([...JANES_KEYS].sort());
    expect(found.filter((f) => f.lastUsed !== undefined)).toEqual([]);
    expect(sim.requests.filter((r) => r.method === 'GET' && /^\/v1\/apikeys\/ApiKey-/.test(r.path))).toEqual([]);
  });

  it('a single read IAM refuses fails the look, rather than passing the key off as never used', async () => {
    const { sim, client } = await simulator();
    sim.inject({ method: 'GET', path: `/v1/apikeys/${CI_KEY}`, status: 403 });
    const step = apiKeysStep(client.inAccount(ACME_PRODUCTION), ACME_PRODUCTION);

    const err = await rejection(step.inventory(ctx({ lastUse: true })));

    expect(err.message).toMatch(/get API key/);
  });
});
