import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { accountMembershipStep } from '../../src/connectors/ibm-cloud/account-membership-step.js';
import { IbmCloudClient } from '../../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { PermanentError, RetryableError } from '../../src/connectors/step-errors.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL, JANE_SL_EMAIL, LOOKALIKE_EMAIL, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { ibmConfig, rejection, useIbmSimulator } from './ibm-cloud-harness.js';

const simulator = useIbmSimulator();

describe('finding every IBM Cloud identity of a person by email', () => {
  it("finds both of Jane's identities, in two realms and two letter cases, and not a look-alike email", async () => {
    const { sim, client } = await simulator();
    const found = await client.findUsersByEmail(ACME_PRODUCTION, 'JANE.DOE@acme.example');

    expect(found.map((u) => [u.iamId, u.realm, u.email]).sort()).toEqual(
      [
        [SIM_IAM_IDS.jane, 'IBMid', JANE_EMAIL],
        [SIM_IAM_IDS.janeSl, 'SL', JANE_SL_EMAIL],
      ].sort(),
    );
    expect(found.find((u) => u.realm === 'SL')).toMatchObject({ name: 'Jane Doe', state: 'ACTIVE', userId: `2718281_${JANE_SL_EMAIL}` });
    expect(found.map((u) => u.email)).not.toContain(LOOKALIKE_EMAIL);
    expect(sim.usersInAccount(ACME_PRODUCTION, LOOKALIKE_EMAIL)).toHaveLength(1);
  });

  it('finds only the identity that is a member of the account asked about', async () => {
    const { client } = await simulator();
    expect((await client.findUsersByEmail(ACME_STAGING, JANE_EMAIL)).map((u) => u.iamId)).toEqual([SIM_IAM_IDS.jane]);
    expect(await client.findUsersByEmail(ACME_STAGING, 'jane.doe@acme')).toEqual([]);
  });

  it('a 403 on listing users fails for good, naming IBMCLOUD_API_KEY, and returns no partial answer', async () => {
    const { sim, client } = await simulator({ pageSize: 2 });
    sim.inject({ method: 'GET', path: `/v2/accounts/${ACME_PRODUCTION}/users`, status: 403, times: 1 });
    const err = await rejection(client.findUsersByEmail(ACME_PRODUCTION, JANE_EMAIL));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/^list users: permission denied \(403\).*IBMCLOUD_API_KEY/);
    // The first page failed: no later page was asked for.
    expect(sim.requests.filter((r) => r.path.endsWith('/users')).map((r) => r.status)).toEqual([403]);
  });
});

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

  it("the account owner cannot be removed: the membership step fails for good with IBM's reason", async () => {
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

describe("who the bot's own API key belongs to", () => {
  it('is asked of IAM (GET /v1/apikeys/details) and is the IAM id of its owner', async () => {
    const { sim, client } = await simulator();
    expect(await client.apiKeyOwner()).toBe(SIM_IAM_IDS.alex);
    expect(sim.requests.filter((r) => r.path === '/v1/apikeys/details').map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200']);
  });

  it('is asked once per process: its owner, its id and its account, by every per-account view and by callers at the same time, come from one call', async () => {
    const { sim, client } = await simulator();
    const [owner, own] = await Promise.all([client.apiKeyOwner(), client.inAccount(ACME_STAGING).ownApiKey()]);
    expect(owner).toBe(SIM_IAM_IDS.alex);
    expect(own.iamId).toBe(SIM_IAM_IDS.alex);
    expect(await client.inAccount(ACME_PRODUCTION).resourceControllerAccount()).toBe(ACME_PRODUCTION);
    expect(await client.apiKeyOwner()).toBe(SIM_IAM_IDS.alex);
    expect(sim.requests.filter((r) => r.path === '/v1/apikeys/details')).toHaveLength(1);
  });

  it('a failed call is not kept: the next caller asks IAM again', async () => {
    const { sim, client } = await simulator();
    sim.inject({ method: 'GET', path: '/v1/apikeys/details', status: 500, times: 1 });
    expect(await rejection(client.apiKeyOwner())).toBeInstanceOf(RetryableError);
    expect(await client.apiKeyOwner()).toBe(SIM_IAM_IDS.alex);
    expect(await client.apiKeyOwner()).toBe(SIM_IAM_IDS.alex);
    expect(sim.requests.filter((r) => r.path === '/v1/apikeys/details').map((r) => r.status)).toEqual([500, 200]);
  });

  it('a 403 from IAM fails for good, naming the setting to fix', async () => {
    const { sim, client } = await simulator();
    sim.inject({ method: 'GET', path: '/v1/apikeys/details', status: 403, times: 1 });
    const err = await rejection(client.apiKeyOwner());
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/^get api key details: permission denied \(403\).*IBMCLOUD_API_KEY/);
  });
});
