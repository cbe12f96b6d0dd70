import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../src/connectors/step-errors.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_GROUP_IDS, SIM_IAM_IDS, seedWithSsoMembership } from '../../src/simulators/ibm-cloud/index.js';
import { mutations, rejection, useIbmSimulator } from './ibm-cloud-harness.js';

const simulator = useIbmSimulator();
const JANE = SIM_IAM_IDS.jane;
const CI_KEY = 'ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829';
const PROD_PROFILE = 'Profile-a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

describe('disabling and re-enabling API keys', () => {
  it('disables a key without deleting it, reads it back as disabled, and enables it again', async () => {
    const { sim, client } = await simulator();
    expect(await client.disableApiKey(CI_KEY, 'tx-disable')).toBe(true);

    expect(sim.apiKey(CI_KEY)).toMatchObject({ disabled: true });
    expect(await client.getApiKey(CI_KEY)).toMatchObject({ id: CI_KEY, iamId: JANE, accountId: ACME_PRODUCTION, disabled: true, locked: false });
    expect((await client.listUserApiKeys(ACME_PRODUCTION, JANE)).find((k) => k.id === CI_KEY)).toMatchObject({ disabled: true });
    // Disabling twice changes nothing and is not an error.
    expect(await client.disableApiKey(CI_KEY, 'tx-disable')).toBe(true);

    expect(await client.enableApiKey(CI_KEY, 'tx-enable')).toBe(true);
    expect(sim.apiKey(CI_KEY)).toMatchObject({ disabled: false });
    expect(mutations(sim).map((r) => `${r.method} ${r.path} ${r.transactionId} ${r.status}`)).toEqual([
      `POST /v1/apikeys/${CI_KEY}/disable tx-disable 204`,
      `POST /v1/apikeys/${CI_KEY}/disable tx-disable 204`,
      `DELETE /v1/apikeys/${CI_KEY}/disable tx-enable 204`,
    ]);
  });

  it('reports when a key last signed in and how often, so use after the disable can be flagged', async () => {
    const { sim, client } = await simulator();
    expect(await client.getApiKey(CI_KEY)).toMatchObject({ lastUsed: '2025-01-13T22:41:09.000Z', useCount: 1377 });
    sim.useApiKey(CI_KEY, '2030-06-01T12:00:00.000Z');
    expect(await client.getApiKey(CI_KEY)).toMatchObject({ lastUsed: '2030-06-01T12:00:00.000Z', useCount: 1378 });
    expect(sim.requests.find((r) => r.path === `/v1/apikeys/${CI_KEY}`)?.query).toMatchObject({ include_activity: 'true' });
  });

  it('a key that no longer exists: read as absent, and disabling or enabling it resolves to false', async () => {
    const { client } = await simulator();
    expect(await client.getApiKey('ApiKey-gone')).toBeUndefined();
    expect(await client.disableApiKey('ApiKey-gone', 'tx-1')).toBe(false);
    expect(await client.enableApiKey('ApiKey-gone', 'tx-2')).toBe(false);
  });

  it('a 403 on disabling fails for good and the key stays enabled', async () => {
    const { sim, client } = await simulator();
    sim.inject({ method: 'POST', path: '/disable', status: 403 });
    const err = await rejection(client.disableApiKey(CI_KEY, 'tx-1'));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/^disable API key: permission denied \(403\)/);
    expect(sim.apiKey(CI_KEY)).toMatchObject({ disabled: false });
  });

  it('a 429 on enabling is retryable after Retry-After and the key stays disabled', async () => {
    const { sim, client } = await simulator();
    await client.disableApiKey(CI_KEY, 'tx-1');
    sim.inject({ method: 'DELETE', path: '/disable', status: 429, retryAfterSeconds: 3 });
    const err = await rejection(client.enableApiKey(CI_KEY, 'tx-2'));
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as RetryableError).retryAfterMs).toBe(3000);
    expect(sim.apiKey(CI_KEY)).toMatchObject({ disabled: true });
  });

  it('a 503 on reading a key is retryable', async () => {
    const { sim, client } = await simulator();
    sim.inject({ method: 'GET', path: `/v1/apikeys/${CI_KEY}`, status: 503, times: 1 });
    expect(await rejection(client.getApiKey(CI_KEY))).toBeInstanceOf(RetryableError);
  });
});

describe('rule-based (dynamic) access-group memberships', () => {
  it("reports Jane's dynamic membership with its rule, and removing her from all groups leaves it in place", async () => {
    const { sim, client } = await simulator({ seed: seedWithSsoMembership() });
    const expected = [
      {
        groupId: SIM_GROUP_IDS.ssoUsers,
        groupName: 'SSO Users',
        rules: [
          {
            id: 'ClaimRule-1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a',
            name: 'Acme employees',
            expirationHours: 24,
            realmName: 'https://idp.acme.example/saml2',
            conditions: [{ claim: 'groups', operator: 'CONTAINS', value: '"acme-employees"' }],
          },
        ],
      },
    ];
    expect(await client.listDynamicMemberships(ACME_PRODUCTION, JANE)).toEqual(expected);
    expect((await client.listAccessGroups(ACME_PRODUCTION, JANE)).map((g) => g.name)).not.toContain('SSO Users');

    expect(await client.removeFromAllAccessGroups(ACME_PRODUCTION, JANE, 'tx-1')).toHaveLength(3);
    expect(await client.listDynamicMemberships(ACME_PRODUCTION, JANE)).toEqual(expected);
    expect(sim.dynamicGroupsOf(ACME_PRODUCTION, JANE).map((g) => g.name)).toEqual(['SSO Users']);
    expect(await client.listDynamicMemberships(ACME_STAGING, JANE)).toEqual([]);
  });

  it('a 403 on reading the rules fails for good rather than reporting the membership without its rule', async () => {
    const { sim, client } = await simulator({ seed: seedWithSsoMembership() });
    sim.inject({ method: 'GET', path: '/rules', status: 403 });
    const err = await rejection(client.listDynamicMemberships(ACME_PRODUCTION, JANE));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/^list access group rules: permission denied/);
  });
});

describe('restoring what the disable removed', () => {
  it('adds Jane back to a group she was removed from', async () => {
    const { sim, client } = await simulator();
    await client.removeFromAllAccessGroups(ACME_PRODUCTION, JANE, 'tx-1');
    expect(await client.addMemberToGroup(SIM_GROUP_IDS.prodBilling, JANE, 'tx-restore')).toBe(true);
    expect(sim.groupsOf(ACME_PRODUCTION, JANE).map((g) => g.id)).toEqual([SIM_GROUP_IDS.prodBilling]);
    expect(mutations(sim).at(-1)).toMatchObject({
      method: 'PUT',
      path: `/v2/groups/${SIM_GROUP_IDS.prodBilling}/members`,
      transactionId: 'tx-restore',
      status: 207,
    });
    // Added again (a retry): still one membership.
    expect(await client.addMemberToGroup(SIM_GROUP_IDS.prodBilling, JANE, 'tx-restore')).toBe(true);
    expect(sim.groupsOf(ACME_PRODUCTION, JANE)[0]!.members.filter((m) => m.iam_id === JANE)).toHaveLength(1);
  });

  it('a group that no longer exists resolves to false; a user outside the account is refused for good and added nowhere', async () => {
    const { sim, client } = await simulator();
    expect(await client.addMemberToGroup('AccessGroupId-gone', JANE, 'tx-1')).toBe(false);
    // Chris is a member of Staging only.
    const err = await rejection(client.addMemberToGroup(SIM_GROUP_IDS.prodBilling, SIM_IAM_IDS.chris, 'tx-2'));
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/^add to access group: IBM Cloud answered 404 for IBMid-6620000C4R \(User .* is not a member of account/);
    expect(sim.groupsOf(ACME_PRODUCTION, SIM_IAM_IDS.chris)).toEqual([]);
  });

  it('a 429 on adding is retryable and adds nobody', async () => {
    const { sim, client } = await simulator();
    await client.removeFromAllAccessGroups(ACME_PRODUCTION, JANE, 'tx-1');
    sim.inject({ method: 'PUT', path: '/members', status: 429, retryAfterSeconds: 2 });
    expect(await rejection(client.addMemberToGroup(SIM_GROUP_IDS.prodBilling, JANE, 'tx-2'))).toBeInstanceOf(RetryableError);
    expect(sim.groupsOf(ACME_PRODUCTION, JANE)).toEqual([]);
  });

  it('re-creates a deleted policy from its listed document: a new id, the same content', async () => {
    const { sim, client } = await simulator();
    const [before] = await client.listDirectPolicies(ACME_STAGING, JANE);
    const original = sim.policiesOf(ACME_STAGING, JANE)[0]!;
    await client.deletePolicy(before!.id, 'tx-1');

    const created = await client.createPolicy(before!.document, 'tx-restore');
    expect(created.created).toBe(true);
    expect(created.id).not.toBe(before!.id);
    const [after] = sim.policiesOf(ACME_STAGING, JANE);
    const content = ({ type, subject, control, resource, description, pattern, rule }: typeof original) => ({
      type,
      subject,
      control,
      resource,
      description,
      pattern,
      rule,
    });
    expect(after!.id).toBe(created.id);
    expect(content(after!)).toEqual(content(original));
    expect(mutations(sim).at(-1)).toMatchObject({ method: 'POST', path: '/v2/policies', transactionId: 'tx-restore', status: 201 });
  });

  it('a re-create whose answer was lost is not duplicated: the retry resolves to the policy IAM already made', async () => {
    const { sim, client } = await simulator();
    const [policy] = await client.listDirectPolicies(ACME_STAGING, JANE);
    await client.deletePolicy(policy!.id, 'tx-1');
    sim.inject({ method: 'POST', path: '/v2/policies', status: 503, times: 1, afterApply: true });

    expect(await rejection(client.createPolicy(policy!.document, 'tx-2'))).toBeInstanceOf(RetryableError);
    const retried = await client.createPolicy(policy!.document, 'tx-2');
    expect(retried.created).toBe(false);
    expect(sim.policiesOf(ACME_STAGING, JANE).map((p) => p.id)).toEqual([retried.id]);
  });

  it('a 403 on creating a policy fails for good and creates nothing', async () => {
    const { sim, client } = await simulator();
    const [policy] = await client.listDirectPolicies(ACME_STAGING, JANE);
    await client.deletePolicy(policy!.id, 'tx-1');
    sim.inject({ method: 'POST', path: '/v2/policies', status: 403 });
    expect(await rejection(client.createPolicy(policy!.document, 'tx-2'))).toBeInstanceOf(PermanentError);
    expect(sim.policiesOf(ACME_STAGING, JANE)).toEqual([]);
  });

  it('re-links Jane to a trusted profile with the accounts and description the link had', async () => {
    const { sim, client } = await simulator();
    const [link] = await client.listProfileLinks(ACME_PRODUCTION, JANE);
    expect(link).toEqual({
      profileId: PROD_PROFILE,
      profileName: 'k8s-workload-identity',
      accounts: [ACME_PRODUCTION],
      description: 'Break-glass access to the workload identity',
    });
    await client.unlinkProfile(PROD_PROFILE, JANE, 'tx-1');

    expect(await client.linkProfile(PROD_PROFILE, JANE, 'tx-restore', { accounts: link!.accounts, description: link!.description })).toBe(true);
    expect(await client.listProfileLinks(ACME_PRODUCTION, JANE)).toEqual([link]);
    expect(mutations(sim).at(-1)).toMatchObject({
      method: 'POST',
      path: `/v1/profiles/${PROD_PROFILE}/identities/user`,
      transactionId: 'tx-restore',
      status: 200,
    });
  });

  it('linking a link that is already there (a retry after a lost answer) resolves to true and makes no second link', async () => {
    const { sim, client } = await simulator();
    expect(await client.linkProfile(PROD_PROFILE, JANE, 'tx-1')).toBe(true);
    expect(sim.requests.filter((r) => r.path.startsWith(`/v1/profiles/${PROD_PROFILE}/identities/user`)).map((r) => `${r.method} ${r.status}`)).toEqual([
      'POST 409',
      'GET 200',
    ]);
    expect(sim.profilesLinkedTo(ACME_PRODUCTION, JANE)).toHaveLength(1);
  });

  it('a 409 while the profile was changing is retryable and links nothing; a profile that no longer exists resolves to false', async () => {
    const { sim, client } = await simulator();
    await client.unlinkProfile(PROD_PROFILE, JANE, 'tx-1');
    sim.inject({ method: 'POST', path: '/identities/user', status: 409, times: 1 });
    const err = await rejection(client.linkProfile(PROD_PROFILE, JANE, 'tx-2'));
    expect(err).toBeInstanceOf(RetryableError);
    expect(sim.profilesLinkedTo(ACME_PRODUCTION, JANE)).toEqual([]);
    expect(await client.linkProfile('Profile-gone', JANE, 'tx-3')).toBe(false);
  });
});
