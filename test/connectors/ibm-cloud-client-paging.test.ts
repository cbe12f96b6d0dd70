import { describe, expect, it } from 'vitest';
import {
  ACME_PRODUCTION,
  ACME_STAGING,
  defaultIbmSeed,
  SIM_IAM_IDS,
  seedWithSsoMembership,
  type IbmCloudSeed,
  type IbmCloudSimulator,
} from '../../src/simulators/ibm-cloud/index.js';
import { useIbmSimulator } from './ibm-cloud-harness.js';

const simulator = useIbmSimulator();
const { jane, janeSl } = SIM_IAM_IDS;
const at = '2024-02-01T00:00:00.000Z';

/**
 * Acme's world with more of what Jane could hold, placed so that what she holds is never all on
 * the first page: another staging profile listed before hers, and a second rule-based group.
 */
function seedWithMoreToPage(): IbmCloudSeed {
  const seed = seedWithSsoMembership();
  const profile = seed.profiles.find((p) => p.account_id === ACME_STAGING)!;
  seed.profiles.unshift({
    ...profile,
    id: 'Profile-00000000-0000-4000-8000-000000000001',
    name: 'an-unrelated-profile',
    iam_id: 'iam-Profile-00000000-0000-4000-8000-000000000001',
  });
  const groupId = 'AccessGroupId-00000000-0000-4000-8000-000000000002';
  seed.accessGroups.push({
    id: groupId,
    name: 'Engineering (rule)',
    account_id: ACME_PRODUCTION,
    created_at: at,
    created_by_id: SIM_IAM_IDS.sam,
    last_modified_at: at,
    last_modified_by_id: SIM_IAM_IDS.sam,
    is_federated: true,
    members: [{ iam_id: jane, type: 'user', membership_type: 'dynamic', created_at: at, created_by_id: SIM_IAM_IDS.sam }],
  });
  seed.accessGroupRules.push({
    ...seed.accessGroupRules[0]!,
    id: 'ClaimRule-00000000-0000-4000-8000-000000000003',
    name: 'Engineers',
    access_group_id: groupId,
    conditions: [{ claim: 'department', operator: 'EQUALS', value: '"engineering"' }],
  });
  return seed;
}

/** How many pages the simulator served for one listing path. */
const pagesServed = (sim: IbmCloudSimulator, path: string) => sim.requests.filter((r) => r.method === 'GET' && r.path === path && r.status === 200).length;

describe('every listing follows every page (the simulator serves one item per page)', () => {
  it("finds both of Jane's user records, the second on page 5 of 6", async () => {
    const { sim, client } = await simulator({ pageSize: 1 });
    expect((await client.findUsersByEmail(ACME_PRODUCTION, 'jane.doe@acme.example')).map((u) => u.iamId).sort()).toEqual([jane, janeSl].sort());
    expect(pagesServed(sim, `/v2/accounts/${ACME_PRODUCTION}/users`)).toBe(6);
  });

  it("lists both of Jane's API keys in Production, and every service ID's, from one listing of every key of the account", async () => {
    const { sim, client } = await simulator({ pageSize: 1 });
    const [janes, serviceIds] = await Promise.all([client.listUserApiKeys(ACME_PRODUCTION, jane), client.listServiceIdKeys(ACME_PRODUCTION)]);
    expect(janes.map((k) => k.name).sort()).toEqual(['jane-ci-deploy', 'jane-terraform']);
    const seed = defaultIbmSeed();
    const serviceIdsHere = new Set(seed.serviceIds.filter((s) => s.account_id === ACME_PRODUCTION).map((s) => s.iam_id));
    expect(serviceIds.map((k) => k.id).sort()).toEqual(
      seed.apiKeys
        .filter((k) => k.account_id === ACME_PRODUCTION && serviceIdsHere.has(k.iam_id))
        .map((k) => k.id)
        .sort(),
    );
    expect(serviceIds.length).toBeGreaterThan(1);
    // One key a page: every page of the one listing, no kind asked for.
    expect(pagesServed(sim, '/v1/apikeys')).toBe(seed.apiKeys.filter((k) => k.account_id === ACME_PRODUCTION).length);
    expect(sim.requests.filter((r) => r.path === '/v1/apikeys').every((r) => r.query.type === undefined)).toBe(true);
  });

  it('finds the profile links of both identities on the second page of Staging profiles', async () => {
    const { sim, client } = await simulator({ pageSize: 1, seed: seedWithMoreToPage() });
    expect((await client.listProfileLinks(ACME_STAGING, jane)).map((l) => l.profileName)).toEqual(['staging-ci-federation']);
    expect((await client.listProfileLinks(ACME_STAGING, janeSl)).map((l) => l.profileName)).toEqual(['staging-ci-federation']);
    // One listing of the account's profiles, every page of it, answers both: it is fresh enough to share.
    expect(pagesServed(sim, '/v1/profiles')).toBe(2);
  });

  it("lists all three of Jane's static groups", async () => {
    const { sim, client } = await simulator({ pageSize: 1 });
    expect((await client.listAccessGroups(ACME_PRODUCTION, jane)).map((g) => g.name).sort()).toEqual(['Billing Viewers', 'Developers', 'Kubernetes Operators']);
    // Every group she is in, none with rules: that one listing is her static groups.
    expect(pagesServed(sim, '/v2/groups')).toBe(3);
  });

  it("lists both of Jane's rule-based groups, each with its rule, and her three static groups apart from them", async () => {
    const { sim, client } = await simulator({ pageSize: 1, seed: seedWithMoreToPage() });
    const found = await client.listDynamicMemberships(ACME_PRODUCTION, jane);
    expect(found.map((m) => [m.groupName, m.rules.map((r) => r.name)])).toEqual([
      ['SSO Users', ['Acme employees']],
      ['Engineering (rule)', ['Engineers']],
    ]);
    // Every group she is in (5 pages) shows groups with rules: then the rule-based ones are asked for (2 pages).
    expect(pagesServed(sim, '/v2/groups')).toBe(7);
    expect((await client.listAccessGroups(ACME_PRODUCTION, jane)).map((g) => g.name).sort()).toEqual(['Billing Viewers', 'Developers', 'Kubernetes Operators']);
    expect(pagesServed(sim, '/v2/groups')).toBe(10);
  });

  it("lists both of Jane's direct policies in Production", async () => {
    const { sim, client } = await simulator({ pageSize: 1 });
    expect(await client.listDirectPolicies(ACME_PRODUCTION, jane)).toHaveLength(2);
    expect(pagesServed(sim, '/v2/policies')).toBe(2);
  });
});
