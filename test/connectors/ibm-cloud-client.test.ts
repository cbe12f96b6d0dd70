import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { IbmCloudSettings } from '../../src/connectors/ibm-cloud/settings.js';
import { accountMembershipStep } from '../../src/connectors/ibm-cloud/account-membership-step.js';
import { IbmCloudClient } from '../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { PermanentError, RetryableError } from '../../src/connectors/step-errors.js';
import {
  ACME_PRODUCTION,
  SIM_BOT_API_KEY,
  SIM_IAM_IDS,
  startIbmCloudSimulator,
  type IbmCloudSimulator,
} from '../../src/simulators/ibm-cloud/index.js';

const sims: IbmCloudSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

function ibmConfig(url: string, apiKey = SIM_BOT_API_KEY): IbmCloudSettings {
  return {
    apiKey,
    accountIds: [ACME_PRODUCTION],
    iamUrl: url,
    userManagementUrl: url,
    iamIdentityUrl: url,
    accessGroupsUrl: url,
    policyManagementUrl: url,
    timeoutMs: 5000,
  };
}

async function simulator() {
  const sim = await startIbmCloudSimulator();
  sims.push(sim);
  return { sim, client: new IbmCloudClient(ibmConfig(sim.url)) };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** The classification as it happens on real SDK errors, against the IBM Cloud simulator. */
describe('IbmCloudClient errors, as the IBM SDK reports them', () => {
  it('a 429 with Retry-After from IBM becomes a RetryableError carrying the delay', async () => {
    const { sim, client } = await simulator();
    sim.inject({ method: 'GET', path: '/v2/groups', status: 429, times: 1, retryAfterSeconds: 2 });
    const err = await rejection(client.listAccessGroups(ACME_PRODUCTION, SIM_IAM_IDS.jane));
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as RetryableError).retryAfterMs).toBe(2000);
    // The SDK itself does not retry: BullMQ owns retries.
    expect(sim.requests.filter((r) => r.path === '/v2/groups').map((r) => r.status)).toEqual([429]);
  });

  it('a 503 is retryable; a 403 is permanent and names IBMCLOUD_API_KEY', async () => {
    const { sim, client } = await simulator();
    sim.inject({ method: 'DELETE', path: '/v2/policies/', status: 503, times: 1 });
    sim.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 403, times: 1 });
    expect(await rejection(client.deletePolicy('c2f38495-a6b7-4c08-8d19-e3fa40b5c6d7', 'tx-1'))).toBeInstanceOf(RetryableError);
    const denied = await rejection(client.deleteApiKey('ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829', 'tx-2'));
    expect(denied).toBeInstanceOf(PermanentError);
    expect(denied.message).toContain('IBMCLOUD_API_KEY');
    expect(sim.requests.filter((r) => r.method === 'DELETE').map((r) => r.transactionId)).toEqual(['tx-1', 'tx-2']);
  });

  it('IBM Cloud out of reach (ECONNREFUSED) is retryable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const client = new IbmCloudClient(ibmConfig(`http://127.0.0.1:${port}`));
    const err = await rejection(client.listAccessGroups(ACME_PRODUCTION, SIM_IAM_IDS.jane));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).toBe('list access groups: cannot reach IBM Cloud (ECONNREFUSED)');
  });

  it('a deletion of something already gone is reported as already absent, not as an error', async () => {
    const { client } = await simulator();
    expect(await client.deleteApiKey('ApiKey-does-not-exist', 'tx-1')).toBe(false);
  });

  it('the account owner cannot be removed: the membership step fails for good with IBM\'s reason', async () => {
    const { sim, client } = await simulator();
    const step = accountMembershipStep(client, ACME_PRODUCTION);
    const ctx = {
      requestId: 'OFF-OWNER1',
      scope: ACME_PRODUCTION,
      transactionId: 'offboard-OFF-OWNER1-a1',
      person: { requestId: 'OFF-OWNER1', slackUserId: 'U0SAM0001', email: 'sam.owner@acme.example' },
      identities: [{ scope: ACME_PRODUCTION, id: SIM_IAM_IDS.sam, label: 'Sam Owner <sam.owner@acme.example>' }],
    };
    const { found } = await step.inventory(ctx);
    expect(found.map((f) => f.id)).toEqual([SIM_IAM_IDS.sam]);
    const drain = async () => {
      for await (const _change of step.delete!.act(ctx, found));
    };
    const err = await rejection(drain());
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/^remove user from account: IBM Cloud answered 400 \(.*owner of account .* cannot be removed/);
    expect(sim.userInAccount(ACME_PRODUCTION, 'sam.owner@acme.example')).toBeDefined();
  });
});
