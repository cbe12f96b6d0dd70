import { IamAuthenticator } from '@ibm-cloud/platform-services/auth';
import IamAccessGroupsV2 from '@ibm-cloud/platform-services/iam-access-groups/v2';
import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1';
import IamPolicyManagementV1 from '@ibm-cloud/platform-services/iam-policy-management/v1';
import UserManagementV1 from '@ibm-cloud/platform-services/user-management/v1';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACME_PRODUCTION,
  ACME_STAGING,
  SIM_BOT_API_KEY,
  SIM_GROUP_IDS,
  SIM_IAM_IDS,
  defaultIbmSeed,
  seedWithSsoMembership,
  startIbmCloudSimulator,
  type IbmCloudSimulator,
  type IbmCloudSimulatorOptions,
} from '../../src/simulators/ibm-cloud/index.js';

const { jane, janeSl, alex, chris } = SIM_IAM_IDS;
const CI_KEY = 'ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829';
const PROD_PROFILE = 'Profile-a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const STAGING_PROFILE = 'Profile-b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
const SSO_RULE = 'ClaimRule-1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    users: new UserManagementV1({ authenticator, serviceUrl: s.url }),
    identity: new IamIdentityV1({ authenticator, serviceUrl: s.url }),
    groups: new IamAccessGroupsV2({ authenticator, serviceUrl: s.url }),
    policies: new IamPolicyManagementV1({ authenticator, serviceUrl: s.url }),
  };
}

describe('API keys: disable, enable, activity', () => {
  it('disables with POST …/disable and enables with DELETE …/disable; every read shows `disabled`', async () => {
    const { sim, identity } = await start();
    expect((await identity.disableApiKey({ id: CI_KEY })).status).toBe(204);
    expect((await identity.getApiKey({ id: CI_KEY })).result.disabled).toBe(true);
    const listed = await identity.listApiKeys({ accountId: ACME_PRODUCTION, scope: 'account', type: 'user' });
    expect(listed.result.apikeys.find((k) => k.id === CI_KEY)?.disabled).toBe(true);
    expect(sim.apiKey(CI_KEY)?.disabled).toBe(true);

    expect((await identity.enableApiKey({ id: CI_KEY })).status).toBe(204);
    expect((await identity.getApiKey({ id: CI_KEY })).result.disabled).toBe(false);
    expect(await status(identity.disableApiKey({ id: 'ApiKey-unknown' }))).toBe(404);
    expect(await status(identity.enableApiKey({ id: 'ApiKey-unknown' }))).toBe(404);
  });

  it('refuses to disable a locked key with 409', async () => {
    const seed = defaultIbmSeed();
    seed.apiKeys.find((k) => k.id === CI_KEY)!.locked = true;
    const { sim, identity } = await start({ seed });
    expect(await status(identity.disableApiKey({ id: CI_KEY }))).toBe(409);
    expect(sim.apiKey(CI_KEY)?.disabled).toBe(false);
  });

  it('keeps reading a disabled key as enabled for the consistency delay', async () => {
    const { sim, identity } = await start({ consistencyDelayMs: 300 });
    await identity.disableApiKey({ id: CI_KEY });
    expect(sim.apiKey(CI_KEY)?.disabled).toBe(true);
    expect((await identity.getApiKey({ id: CI_KEY })).result.disabled).toBe(false);
    await sleep(350);
    expect((await identity.getApiKey({ id: CI_KEY })).result.disabled).toBe(true);
  });

  it('returns activity only with include_activity, and records uses made with `useApiKey`', async () => {
    const { sim, identity } = await start();
    expect((await identity.getApiKey({ id: CI_KEY })).result.activity).toBeUndefined();
    sim.useApiKey(CI_KEY, '2031-01-02T03:04:05.000Z');
    const { result } = await identity.getApiKey({ id: CI_KEY, includeActivity: true });
    expect(result.activity).toEqual({ last_authn: '2031-01-02T03:04:05.000Z', authn_count: 1378 });
  });

  it('never lists a key with its activity, of a user or a service ID, even one just used', async () => {
    const { sim, identity } = await start();
    sim.useApiKey(CI_KEY, '2031-01-02T03:04:05.000Z');
    for (const type of ['user', 'serviceid'] as const) {
      const { result } = await identity.listApiKeys({ accountId: ACME_PRODUCTION, scope: 'account', type, pagesize: 100 });
      expect(result.apikeys.length).toBeGreaterThan(0);
      expect(result.apikeys.filter((k) => k.activity !== undefined)).toEqual([]);
    }
  });
});

describe("Jane's second identity, and what it holds where it is not a member", () => {
  it('holds an API key and a trusted-profile link in Staging, where it is no member', async () => {
    const { users, identity } = await start();
    expect(await status(users.getUserProfile({ accountId: ACME_STAGING, iamId: janeSl }))).toBe(404);
    expect((await users.getUserProfile({ accountId: ACME_PRODUCTION, iamId: janeSl })).result).toMatchObject({ realm: 'SL', email: 'Jane.Doe@acme.example' });

    const keys = await identity.listApiKeys({ accountId: ACME_STAGING, scope: 'account', type: 'user' });
    expect(keys.result.apikeys.filter((k) => k.iam_id === janeSl).map((k) => k.name)).toEqual(['jane-sl-staging-reader']);
    const links = await identity.getProfileIdentities({ profileId: STAGING_PROFILE });
    expect(links.result.identities?.find((i) => i.iam_id === janeSl)).toMatchObject({ type: 'user', accounts: [ACME_PRODUCTION] });
  });
});

describe('dynamic (rule-based) access-group memberships', () => {
  it('lists the group by membership type, its dynamic members and its rule; "remove from all" leaves them', async () => {
    const { sim, groups } = await start({ seed: seedWithSsoMembership() });
    const byType = async (membershipType: string) =>
      (await groups.listAccessGroups({ accountId: ACME_PRODUCTION, iamId: jane, membershipType })).result.groups!.map((g) => g.name).sort();
    expect(await byType('dynamic')).toEqual(['SSO Users']);
    expect(await byType('static')).not.toContain('SSO Users');
    expect(await byType('all')).toEqual(['Billing Viewers', 'Developers', 'Kubernetes Operators', 'SSO Users']);

    const members = await groups.listAccessGroupMembers({ accessGroupId: SIM_GROUP_IDS.ssoUsers, membershipType: 'dynamic', verbose: true });
    expect(members.result.members!.map((m) => [m.iam_id, m.membership_type, m.name])).toEqual([
      [alex, 'dynamic', 'Alex Admin'],
      [jane, 'dynamic', 'Jane Doe'],
    ]);
    expect((await groups.listAccessGroupMembers({ accessGroupId: SIM_GROUP_IDS.ssoUsers })).result.members).toEqual([]);

    const rules = await groups.listAccessGroupRules({ accessGroupId: SIM_GROUP_IDS.ssoUsers });
    expect(rules.result.rules!.map((r) => [r.id, r.name, r.expiration, r.conditions])).toEqual([
      [SSO_RULE, 'Acme employees', 24, [{ claim: 'groups', operator: 'CONTAINS', value: '"acme-employees"' }]],
    ]);
    expect((await groups.getAccessGroupRule({ accessGroupId: SIM_GROUP_IDS.ssoUsers, ruleId: SSO_RULE })).result.realm_name).toBe(
      'https://idp.acme.example/saml2',
    );
    expect(await status(groups.getAccessGroupRule({ accessGroupId: SIM_GROUP_IDS.ssoUsers, ruleId: 'ClaimRule-unknown' }))).toBe(404);
    expect(await status(groups.listAccessGroupRules({ accessGroupId: 'AccessGroupId-unknown' }))).toBe(404);

    await groups.removeMemberFromAllAccessGroups({ accountId: ACME_PRODUCTION, iamId: jane });
    expect(await byType('all')).toEqual(['SSO Users']);
    expect(sim.groupsOf(ACME_PRODUCTION, jane)).toEqual([]);
    expect(sim.dynamicGroupsOf(ACME_PRODUCTION, jane).map((g) => [g.name, g.rules.map((r) => r.id)])).toEqual([['SSO Users', [SSO_RULE]]]);
  });
});

describe('adding members to access groups', () => {
  it('answers 207 with an outcome per member: added, or refused for a user outside the account', async () => {
    const { sim, groups } = await start();
    await groups.removeMemberFromAllAccessGroups({ accountId: ACME_PRODUCTION, iamId: jane });
    const res = await groups.addMembersToAccessGroup({
      accessGroupId: SIM_GROUP_IDS.prodDevelopers,
      members: [
        { iam_id: jane, type: 'user' },
        { iam_id: chris, type: 'user' },
      ],
      transactionId: 'tx-add',
    });
    expect(res.status).toBe(207);
    expect(res.result.members).toEqual([
      expect.objectContaining({ iam_id: jane, type: 'user', status_code: 200, trace: 'tx-add', created_by_id: alex }),
      expect.objectContaining({ iam_id: chris, status_code: 404, errors: [expect.objectContaining({ code: 'user_not_found' })] }),
    ]);
    expect(sim.groupsOf(ACME_PRODUCTION, jane).map((g) => g.id)).toEqual([SIM_GROUP_IDS.prodDevelopers]);
    expect(sim.groupsOf(ACME_PRODUCTION, chris)).toEqual([]);
    expect(await status(groups.addMembersToAccessGroup({ accessGroupId: 'AccessGroupId-unknown', members: [{ iam_id: jane, type: 'user' }] }))).toBe(404);
    expect(await status(groups.addMembersToAccessGroup({ accessGroupId: SIM_GROUP_IDS.prodDevelopers, members: [] }))).toBe(400);
  });

  it('shows an added member to reads only after the consistency delay', async () => {
    const { groups } = await start({ consistencyDelayMs: 300 });
    await groups.addMembersToAccessGroup({ accessGroupId: SIM_GROUP_IDS.prodDevelopers, members: [{ iam_id: SIM_IAM_IDS.morgan, type: 'user' }] });
    const head = () => status(groups.isMemberOfAccessGroup({ accessGroupId: SIM_GROUP_IDS.prodDevelopers, iamId: SIM_IAM_IDS.morgan }));
    expect(await head()).toBe(404);
    await sleep(350);
    expect(await head()).toBe(204);
  });
});

describe('re-creating policies', () => {
  const document = {
    type: 'access',
    subject: { attributes: [{ key: 'iam_id', operator: 'stringEquals', value: jane }] },
    control: { grant: { roles: [{ role_id: 'crn:v1:bluemix:public:iam::::role:Viewer' }] } },
    resource: {
      attributes: [
        { key: 'accountId', operator: 'stringEquals', value: ACME_STAGING },
        { key: 'serviceName', operator: 'stringEquals', value: 'logs' },
      ],
    },
  };

  it('creates with a new id (201), serves it by id and in lists, and answers the same grant again with a 409 naming it', async () => {
    const { sim, policies } = await start();
    const created = await policies.createV2Policy({ ...document, headers: { 'Transaction-Id': 'tx-create' } });
    expect(created.status).toBe(201);
    expect(created.result).toMatchObject({ ...document, state: 'active', created_by_id: alex });
    const id = created.result.id!;
    expect((await policies.getV2Policy({ id })).result.id).toBe(id);
    expect((await policies.listV2Policies({ accountId: ACME_STAGING, iamId: jane })).result.policies.map((p) => p.id)).toContain(id);
    expect(sim.policiesOf(ACME_STAGING, jane).find((p) => p.id === id)).toMatchObject(document);

    const again = await policies.createV2Policy(document).catch((err: { status: number; result: unknown }) => err);
    expect(again.status).toBe(409);
    expect(again.result).toMatchObject({ errors: [{ code: 'policy_conflict_error', details: { conflicts_with: { policy: { id } } } }] });
  });

  it('refuses a policy without roles (400) and one for an account it does not know (403)', async () => {
    const { policies } = await start();
    expect(await status(policies.createV2Policy({ ...document, control: { grant: { roles: [] } } }))).toBe(400);
    const elsewhere = { attributes: [{ key: 'accountId', operator: 'stringEquals', value: 'ffffffffffffffffffffffffffffffff' }] };
    expect(await status(policies.createV2Policy({ ...document, resource: elsewhere }))).toBe(403);
  });

  it('lists a created policy only after the consistency delay', async () => {
    const { policies } = await start({ consistencyDelayMs: 300 });
    const { result } = await policies.createV2Policy(document);
    const listed = async () => (await policies.listV2Policies({ accountId: ACME_STAGING, iamId: jane })).result.policies.map((p) => p.id);
    expect(await listed()).not.toContain(result.id);
    await sleep(350);
    expect(await listed()).toContain(result.id);
  });
});

describe('re-linking trusted profiles', () => {
  it('links a user with POST …/identities/user, reads the link back, and answers a second link with 409', async () => {
    const { sim, identity } = await start();
    await identity.deleteProfileIdentity({ profileId: PROD_PROFILE, identityType: 'user', identifierId: jane });
    const link = { profileId: PROD_PROFILE, identityType: 'user', identifier: jane, type: 'user', accounts: [ACME_PRODUCTION], description: 'restored' };
    const res = await identity.setProfileIdentity(link);
    expect(res.result).toEqual({ iam_id: jane, identifier: jane, type: 'user', accounts: [ACME_PRODUCTION], description: 'restored' });
    expect((await identity.getProfileIdentity({ profileId: PROD_PROFILE, identityType: 'user', identifierId: jane })).result.iam_id).toBe(jane);
    expect(sim.profilesLinkedTo(ACME_PRODUCTION, jane).map((p) => p.id)).toEqual([PROD_PROFILE]);

    expect(await status(identity.setProfileIdentity(link))).toBe(409);
    expect(await status(identity.setProfileIdentity({ ...link, profileId: 'Profile-unknown' }))).toBe(404);
    expect(await status(identity.setProfileIdentity({ ...link, type: 'serviceid' }))).toBe(400);
    expect(await status(identity.getProfileIdentity({ profileId: PROD_PROFILE, identityType: 'user', identifierId: chris }))).toBe(404);
  });
});

describe('small pages on every list endpoint', () => {
  it('serves at most `pageSize` items per page whatever the request asks for, with a link to the next page', async () => {
    const { users, identity, groups, policies } = await start({ pageSize: 1, seed: seedWithSsoMembership() });
    const pages = [
      (await users.listUsers({ accountId: ACME_PRODUCTION, limit: 100 })).result,
      (await identity.listApiKeys({ accountId: ACME_PRODUCTION, scope: 'account', pagesize: 100 })).result,
      (await identity.listServiceIds({ accountId: ACME_PRODUCTION, pagesize: 100 })).result,
      (await identity.listProfiles({ accountId: ACME_PRODUCTION, pagesize: 100 })).result,
      (await groups.listAccessGroups({ accountId: ACME_PRODUCTION, limit: 100 })).result,
      (await groups.listAccessGroupMembers({ accessGroupId: SIM_GROUP_IDS.ssoUsers, membershipType: 'all', limit: 100 })).result,
      (await policies.listV2Policies({ accountId: ACME_PRODUCTION, limit: 100 })).result,
    ];
    const items = (page: object) => Object.values(page).find(Array.isArray) as unknown[];
    expect(pages.map((p) => [items(p).length, p.limit])).toEqual(pages.map(() => [1, 1]));
    // Production has one trusted profile: a single page, no link to another.
    const next = (p: object) => ('next_url' in p ? p.next_url : 'next' in p ? p.next : undefined);
    expect(pages.map((p) => next(p) !== undefined)).toEqual([true, true, true, false, true, true, true]);
  });
});

describe('changes made from outside the bot', () => {
  it('re-invites, re-adds to a group, creates and re-enables keys, visible to reads at once', async () => {
    const { sim, users, identity, groups } = await start({ consistencyDelayMs: 60_000 });
    await users.removeUser({ accountId: ACME_STAGING, iamId: jane });
    const back = sim.addUserToAccount(ACME_STAGING, { iam_id: jane, email: 'jane.doe@acme.example', firstname: 'Jane', lastname: 'Doe', state: 'PENDING' });
    expect((await users.getUserProfile({ accountId: ACME_STAGING, iamId: jane })).result).toMatchObject({ id: back.id, state: 'PENDING', realm: 'IBMid' });

    sim.addToGroup(SIM_GROUP_IDS.prodBilling, SIM_IAM_IDS.morgan);
    expect(sim.groupsOf(ACME_PRODUCTION, SIM_IAM_IDS.morgan)).toHaveLength(1);
    await groups.removeMemberFromAllAccessGroups({ accountId: ACME_PRODUCTION, iamId: jane });
    sim.addToGroup(SIM_GROUP_IDS.prodDevelopers, jane);
    expect((await groups.isMemberOfAccessGroup({ accessGroupId: SIM_GROUP_IDS.prodDevelopers, iamId: jane })).status).toBe(204);

    const key = sim.createApiKey({ accountId: ACME_PRODUCTION, iamId: jane, name: 'came-back' });
    expect((await identity.getApiKey({ id: key.id })).result).toMatchObject({ name: 'came-back', iam_id: jane, disabled: false });

    await identity.disableApiKey({ id: CI_KEY });
    sim.enableKey(CI_KEY);
    expect((await identity.getApiKey({ id: CI_KEY })).result.disabled).toBe(false);

    expect(() => sim.addToGroup('AccessGroupId-unknown', jane)).toThrow(/No access group/);
    expect(() => sim.enableKey('ApiKey-unknown')).toThrow(/No API key/);
    expect(() => sim.useApiKey('ApiKey-unknown')).toThrow(/No API key/);
  });
});

describe('fault knobs on the new endpoints', () => {
  it('a 429 with Retry-After on disabling changes nothing; a 503 after applying an add keeps the member', async () => {
    const { sim, identity, groups } = await start();
    sim.inject({ method: 'POST', path: /\/disable$/, status: 429, times: 1, retryAfterSeconds: 4 });
    const err = await identity.disableApiKey({ id: CI_KEY }).catch((e: { status: number; headers: Record<string, string> }) => e);
    expect([err.status, err.headers['retry-after']]).toEqual([429, '4']);
    expect(sim.apiKey(CI_KEY)?.disabled).toBe(false);

    sim.inject({ method: 'PUT', path: '/members', status: 503, times: 1, afterApply: true });
    expect(
      await status(groups.addMembersToAccessGroup({ accessGroupId: SIM_GROUP_IDS.prodDevelopers, members: [{ iam_id: SIM_IAM_IDS.morgan, type: 'user' }] })),
    ).toBe(503);
    expect(sim.groupsOf(ACME_PRODUCTION, SIM_IAM_IDS.morgan).map((g) => g.id)).toContain(SIM_GROUP_IDS.prodDevelopers);
  });
});
