import { describe, expect, it } from 'vitest';
import { onePage, ResumableListing } from '../../src/connectors/ibm-cloud/resumable-listing.js';
import { crowdIbmSeed, crowdPerson } from '../../app/demo/crowd.js';
import { ACME_PRODUCTION, SIM_IAM_IDS, seedWithSsoMembership } from '../../src/simulators/ibm-cloud/index.js';
import { useIbmSimulator } from './ibm-cloud-harness.js';
import { readingFresh } from '../../src/connectors/read-fresh.js';

const simulator = useIbmSimulator();
const listingsOf = (requests: { path: string }[], path: string) => requests.filter((r) => r.path === path).length;

describe('an answer many callers need at once', () => {
  it('is read once for every caller that asked before it began', async () => {
    const listing = new ResumableListing<number>(60_000);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = listing.list('a', undefined, () =>
      onePage(async () => {
        await gate;
        return [++loads];
      }),
    );
    // Its first page call is made a turn of the event loop after it was asked for.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const waiting = [listing.list('a', undefined, () => onePage(async () => [++loads])), listing.list('a', undefined, () => onePage(async () => [++loads]))];
    release();
    expect(await first).toEqual([1]);
    // Both asked while the first listing ran: they share the one that began after it, not the first.
    expect(await Promise.all(waiting)).toEqual([[2], [2]]);
    expect(loads).toBe(2);
  });

  it('keeps accounts apart, and a failed listing fails only its own callers', async () => {
    const listing = new ResumableListing<string>(60_000);
    const failing = expect(listing.list('a', undefined, () => onePage(async () => Promise.reject(new Error('IBM said 503'))))).rejects.toThrow('IBM said 503');
    await new Promise<void>((resolve) => setImmediate(resolve));
    const other = listing.list('b', undefined, () => onePage(async () => ['b-listing']));
    const next = listing.list('a', undefined, () => onePage(async () => ['a-again']));
    await failing;
    expect(await other).toEqual(['b-listing']);
    expect(await next).toEqual(['a-again']);
  });
});

describe('API keys and users of many people identified at once', () => {
  it('come from a few account-wide listings, each person getting exactly their own', async () => {
    const seed = crowdIbmSeed(60);
    const { sim, client } = await simulator({ seed, pageSize: 20, latencyMs: 20 });
    const people = Array.from({ length: 60 }, (_, i) => crowdPerson(i));
    const [keys, users] = await Promise.all([
      Promise.all(people.map((p) => client.listUserApiKeys(ACME_PRODUCTION, p.iamId))),
      Promise.all(people.map((p) => client.findUsersByEmail(ACME_PRODUCTION, p.email.toUpperCase()))),
    ]);
    people.forEach((p, i) => {
      expect(keys[i]!.map((k) => k.id)).toEqual(sim.apiKeysOf(ACME_PRODUCTION, p.iamId).map((k) => k.id));
      expect(users[i]!.map((u) => u.iamId)).toEqual([p.iamId]);
    });
    // 60 people, but no more than two listings of each (the first, and the one every later caller shares), every page followed.
    const pages = (items: number) => Math.ceil(items / 20);
    const keysInAccount = seed.apiKeys.filter((k) => k.account_id === ACME_PRODUCTION).length;
    const usersInAccount = seed.users.filter((u) => u.account_id === ACME_PRODUCTION).length;
    expect(listingsOf(sim.requests, '/v1/apikeys')).toBeLessThanOrEqual(2 * pages(keysInAccount));
    expect(listingsOf(sim.requests, `/v2/accounts/${ACME_PRODUCTION}/users`)).toBeLessThanOrEqual(2 * pages(usersInAccount));
  });

  it('trusted profiles and their links are listed once for everyone asking, each getting only their own links', async () => {
    const { sim, client } = await simulator({ latencyMs: 20 });
    const people = [SIM_IAM_IDS.jane, SIM_IAM_IDS.alex, SIM_IAM_IDS.janeSl, SIM_IAM_IDS.sam];
    const links = await Promise.all([...people, ...people].map((iamId) => client.listProfileLinks(ACME_PRODUCTION, iamId)));
    [...people, ...people].forEach((iamId, i) => {
      expect(links[i]!.map((l) => l.profileId).sort()).toEqual(
        sim
          .profilesLinkedTo(ACME_PRODUCTION, iamId)
          .map((p) => p.id)
          .sort(),
      );
    });
    const profiles = listingsOf(sim.requests, '/v1/profiles');
    expect(profiles).toBeGreaterThan(0);
    expect(profiles).toBeLessThanOrEqual(2);
  });

  it('a read-back never answers from a listing that began before it asked: a key created meanwhile is found', async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(3), latencyMs: 50 });
    const person = crowdPerson(1);
    await client.isMember(ACME_PRODUCTION, person.iamId);
    const early = client.listUserApiKeys(ACME_PRODUCTION, person.iamId);
    // IBM has read the account for the first listing (its answer is on the way) when the key is made.
    while (!sim.requests.some((r) => r.path === '/v1/apikeys')) await new Promise((r) => setTimeout(r, 2));
    const created = sim.createApiKey({ accountId: ACME_PRODUCTION, iamId: person.iamId, name: 'made while the first listing ran' });
    const late = await readingFresh(() => client.listUserApiKeys(ACME_PRODUCTION, person.iamId));
    expect((await early).map((k) => k.id)).not.toContain(created.id);
    expect(late.map((k) => k.id)).toContain(created.id);
  });
});

describe('a listing fresh enough to share', () => {
  it('answers the preview, the identification and the steps that ask within its age from one listing of the account', async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(3), latencyMs: 20 });
    const person = crowdPerson(1);
    const first = await client.listUserApiKeys(ACME_PRODUCTION, person.iamId);
    const later = await client.listUserApiKeys(ACME_PRODUCTION, person.iamId);
    const users = [await client.findUsersByEmail(ACME_PRODUCTION, person.email), await client.findUsersByEmail(ACME_PRODUCTION, person.email)];
    const groups = [await client.listAccessGroups(ACME_PRODUCTION, person.iamId), await client.listAccessGroups(ACME_PRODUCTION, person.iamId)];
    expect(later).toEqual(first);
    expect(users[1]).toEqual(users[0]);
    expect(groups[1]).toEqual(groups[0]);
    expect(listingsOf(sim.requests, '/v1/apikeys')).toBe(1);
    expect(listingsOf(sim.requests, `/v2/accounts/${ACME_PRODUCTION}/users`)).toBe(1);
    expect(listingsOf(sim.requests, '/v2/groups')).toBe(1);
  });

  it("a read-back after the bot's change never uses a listing made before the change, and neither does anyone else", async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(3) });
    const person = crowdPerson(1);
    const inAccount = client.inAccount(ACME_PRODUCTION);
    const [key] = await inAccount.listUserApiKeys(ACME_PRODUCTION, person.iamId);
    expect(key).toBeDefined();
    await inAccount.deleteApiKey(key!.id, 'offboard-test-delete');
    const readBack = await readingFresh(() => inAccount.listUserApiKeys(ACME_PRODUCTION, person.iamId));
    const inventory = await inAccount.listUserApiKeys(ACME_PRODUCTION, person.iamId);
    expect(readBack.map((k) => k.id)).not.toContain(key!.id);
    expect(inventory.map((k) => k.id)).not.toContain(key!.id);
    // The first listing (every key), the read-back's own (users' keys alone), and nothing more: the inventory after it shares the read-back's.
    expect(sim.requests.filter((r) => r.path === '/v1/apikeys').map((r) => r.query.type ?? 'every kind')).toEqual(['every kind', 'user']);
  });

  it("one listing of every key of the account answers both people's keys and service IDs' keys, until the bot changes any key", async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(3) });
    const inAccount = client.inAccount(ACME_PRODUCTION);
    const person = crowdPerson(1);
    const [serviceIdKeys, [key]] = await Promise.all([inAccount.listServiceIdKeys(ACME_PRODUCTION), inAccount.listUserApiKeys(ACME_PRODUCTION, person.iamId)]);
    await inAccount.listUserApiKeys(ACME_PRODUCTION, crowdPerson(2).iamId);
    expect(serviceIdKeys.length).toBeGreaterThan(0);
    expect(sim.requests.filter((r) => r.path === '/v1/apikeys').map((r) => r.query.type ?? 'every kind')).toEqual(['every kind']);

    await inAccount.deleteApiKey(key!.id, 'offboard-test-delete');
    expect(await inAccount.listServiceIdKeys(ACME_PRODUCTION)).toEqual(serviceIdKeys);
    expect((await inAccount.listUserApiKeys(ACME_PRODUCTION, person.iamId)).map((k) => k.id)).not.toContain(key!.id);
    // Listed again once, after the deletion, for both.
    expect(sim.requests.filter((r) => r.path === '/v1/apikeys').map((r) => r.query.type ?? 'every kind')).toEqual(['every kind', 'every kind']);
  });

  it("the bot's deletion of one person's key, naming them, leaves the listing of every key answering other people's inventories, never theirs", async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(3) });
    const inAccount = client.inAccount(ACME_PRODUCTION);
    const [leaving, staying] = [crowdPerson(1), crowdPerson(2)];
    const [[key], before] = await Promise.all([
      inAccount.listUserApiKeys(ACME_PRODUCTION, leaving.iamId),
      inAccount.listUserApiKeys(ACME_PRODUCTION, staying.iamId),
    ]);

    await inAccount.deleteApiKey(key!.id, 'offboard-test-delete', leaving.iamId);

    expect(await inAccount.listUserApiKeys(ACME_PRODUCTION, staying.iamId)).toEqual(before);
    expect(sim.requests.filter((r) => r.path === '/v1/apikeys')).toHaveLength(1);
    expect((await inAccount.listUserApiKeys(ACME_PRODUCTION, leaving.iamId)).map((k) => k.id)).not.toContain(key!.id);
    expect(sim.requests.filter((r) => r.path === '/v1/apikeys')).toHaveLength(2);
  });

  it('a key the bot makes is in no listing begun before: every key listing of the account is read again', async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(3) });
    const inAccount = client.inAccount(ACME_PRODUCTION);
    const [serviceId] = await inAccount.listServiceIds(ACME_PRODUCTION);
    const before = await inAccount.apiKeysOf(ACME_PRODUCTION, serviceId!.iamId);
    const made = await inAccount.createStoredApiKey(ACME_PRODUCTION, serviceId!.iamId, 'replacement', 'made by a test', 'offboard-test-create');
    const after = await inAccount.apiKeysOf(ACME_PRODUCTION, serviceId!.iamId);
    expect(after.map((k) => k.id)).toEqual([...before.map((k) => k.id), made.id]);
    expect(sim.requests.filter((r) => r.method === 'GET' && r.path === '/v1/apikeys')).toHaveLength(2);
  });

  it("a change whose account the call does not name (a key by its id) makes every account's listing stale", async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(3) });
    const person = crowdPerson(2);
    const [key] = await client.listUserApiKeys(ACME_PRODUCTION, person.iamId);
    await client.deleteApiKey(key!.id, 'offboard-test-delete');
    expect((await client.listUserApiKeys(ACME_PRODUCTION, person.iamId)).map((k) => k.id)).not.toContain(key!.id);
    expect(listingsOf(sim.requests, '/v1/apikeys')).toBe(2);
  });

  it('a read-back polling for a change to show reads the account again each time, never the listing the previous read-back saw', async () => {
    const { sim, client } = await simulator({ seed: crowdIbmSeed(3), consistencyDelayMs: 300 });
    const person = crowdPerson(0);
    const inAccount = client.inAccount(ACME_PRODUCTION);
    const [policy] = await inAccount.listDirectPolicies(ACME_PRODUCTION, person.iamId);
    await inAccount.deletePolicy(policy!.id, 'offboard-test-delete');
    const seen: boolean[] = [];
    for (let read = 0; read < 20 && seen.at(-1) !== false; read++) {
      seen.push((await readingFresh(() => inAccount.listDirectPolicies(ACME_PRODUCTION, person.iamId))).some((p) => p.id === policy!.id));
      await new Promise((r) => setTimeout(r, 50));
    }
    // Still listed while IAM catches up, then gone: each read-back was a listing of its own.
    expect(seen[0]).toBe(true);
    expect(seen.at(-1)).toBe(false);
    expect(listingsOf(sim.requests, '/v2/policies')).toBe(1 + seen.length);
  });
});

describe('an account-wide listing that fails part-way, through the SDK', () => {
  const pagesRead = (requests: { path: string; query: Record<string, string> }[], path: string, token: string) =>
    requests.filter((r) => r.path === path && (r.query[token] ?? '') === '').length;

  it('goes on from the page that failed when the same step asks again: the first pages are not read twice, and each person gets exactly their own keys', async () => {
    const seed = crowdIbmSeed(60);
    const { sim, client } = await simulator({ seed, pageSize: 20 });
    const person = crowdPerson(7);
    // The third page of API keys fails once.
    sim.inject({ path: '/v1/apikeys', status: 503, after: 2, times: 1 });
    await expect(client.listUserApiKeys(ACME_PRODUCTION, person.iamId, 'OFF-1:api-keys:r1:c0')).rejects.toThrow(/503|unavailable/i);
    const keys = await client.listUserApiKeys(ACME_PRODUCTION, person.iamId, 'OFF-1:api-keys:r1:c0');

    expect(keys.map((k) => k.id).sort()).toEqual(
      sim
        .apiKeysOf(ACME_PRODUCTION, person.iamId)
        .map((k) => k.id)
        .sort(),
    );
    const keysInAccount = seed.apiKeys.filter((k) => k.account_id === ACME_PRODUCTION).length;
    const pages = Math.ceil(keysInAccount / 20);
    expect(pages).toBeGreaterThan(3);
    // Every page once, and the failed one once more; the first page (no token) only once.
    expect(listingsOf(sim.requests, '/v1/apikeys')).toBe(pages + 1);
    expect(pagesRead(sim.requests, '/v1/apikeys', 'pagetoken')).toBe(1);
  });

  it('users are listed on from the failed page for the identification that asks again, and from the first for anyone else', async () => {
    const seed = crowdIbmSeed(60);
    const { sim, client } = await simulator({ seed, pageSize: 20 });
    const usersPath = `/v2/accounts/${ACME_PRODUCTION}/users`;
    const pages = Math.ceil(seed.users.filter((u) => u.account_id === ACME_PRODUCTION).length / 20);
    expect(pages).toBeGreaterThan(2);
    sim.inject({ path: usersPath, status: 500, after: 1, times: 1 });
    const [jane, sam] = [crowdPerson(3), crowdPerson(40)];
    await expect(client.findUsersByEmail(ACME_PRODUCTION, jane.email, 'OFF-1:identify:r1')).rejects.toThrow();

    // Someone else asking meanwhile gets a listing of their own time, from the first page.
    expect((await client.findUsersByEmail(ACME_PRODUCTION, sam.email, 'OFF-2:identify:r1')).map((u) => u.iamId)).toEqual([sam.iamId]);
    expect(pagesRead(sim.requests, usersPath, '_start')).toBe(2);
    const before = listingsOf(sim.requests, usersPath);
    expect((await client.findUsersByEmail(ACME_PRODUCTION, jane.email, 'OFF-1:identify:r1')).map((u) => u.iamId)).toEqual([jane.iamId]);
    // Taken up at page 2: the pages after the first, no more.
    expect(listingsOf(sim.requests, usersPath) - before).toBe(pages - 1);
    expect(pagesRead(sim.requests, usersPath, '_start')).toBe(2);
  });
});

describe("a person's access groups, added and by rule", () => {
  const groupListings = (requests: { path: string; query: Record<string, string | undefined> }[]) => requests.filter((r) => r.path === '/v2/groups');

  it('a person in no group with rules: the groups they were added to and the absence of rule-based ones come from one listing of every group they are in', async () => {
    const { sim, client } = await simulator();
    const [added, byRule] = await Promise.all([
      client.listAccessGroups(ACME_PRODUCTION, SIM_IAM_IDS.jane),
      client.listDynamicMemberships(ACME_PRODUCTION, SIM_IAM_IDS.jane),
    ]);
    expect(added.map((g) => g.name).sort()).toEqual(['Billing Viewers', 'Developers', 'Kubernetes Operators']);
    expect(byRule).toEqual([]);
    expect(groupListings(sim.requests).map((r) => [r.query.membership_type, r.query.show_federated, r.query.hide_public_access])).toEqual([
      ['all', 'true', 'true'],
    ]);
  });

  it('a person in a group with rules: that group is reported as rule-based and never as one they were added to', async () => {
    const { sim, client } = await simulator({ seed: seedWithSsoMembership() });
    const [added, byRule] = await Promise.all([
      client.listAccessGroups(ACME_PRODUCTION, SIM_IAM_IDS.jane),
      client.listDynamicMemberships(ACME_PRODUCTION, SIM_IAM_IDS.jane),
    ]);
    expect(added.map((g) => g.name).sort()).toEqual(['Billing Viewers', 'Developers', 'Kubernetes Operators']);
    expect(byRule.map((m) => [m.groupName, m.rules.map((r) => r.name)])).toEqual([['SSO Users', ['Acme employees']]]);
    expect(
      groupListings(sim.requests)
        .map((r) => r.query.membership_type)
        .sort(),
    ).toEqual(['all', 'dynamic', 'static']);
  });

  it('after the bot removes the person from their groups, no listing of every group they were in answers anyone', async () => {
    const { client } = await simulator();
    expect(await client.listAccessGroups(ACME_PRODUCTION, SIM_IAM_IDS.jane)).toHaveLength(3);
    await client.removeFromAllAccessGroups(ACME_PRODUCTION, SIM_IAM_IDS.jane, 'offboard-test');
    expect(await client.listAccessGroups(ACME_PRODUCTION, SIM_IAM_IDS.jane)).toEqual([]);
  });
});
