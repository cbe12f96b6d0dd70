import { IamAuthenticator, BearerTokenAuthenticator } from '@ibm-cloud/platform-services/auth';
import IamAccessGroupsV2 from '@ibm-cloud/platform-services/iam-access-groups/v2';
import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1';
import IamPolicyManagementV1 from '@ibm-cloud/platform-services/iam-policy-management/v1';
import UserManagementV1 from '@ibm-cloud/platform-services/user-management/v1';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACME_PRODUCTION,
  ACME_STAGING,
  JANE_EMAIL,
  JANE_SL_EMAIL,
  LOOKALIKE_EMAIL,
  SIM_BOT_API_KEY,
  SIM_IAM_IDS,
  defaultIbmSeed,
  startIbmCloudSimulator,
  type IbmCloudSimulator,
  type IbmCloudSimulatorOptions,
} from '../../src/simulators/ibm-cloud/index.js';

const JANE = SIM_IAM_IDS.jane;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the SDK throws for an HTTP error. */
interface SdkError extends Error {
  status?: number;
  result?: unknown;
  headers?: Record<string, string>;
}

async function sdkError(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the SDK call to fail');
}

let sim: IbmCloudSimulator | undefined;
const others: IbmCloudSimulator[] = [];

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await Promise.all(others.splice(0).map((s) => s.close()));
});

async function start(opts?: IbmCloudSimulatorOptions) {
  sim = await startIbmCloudSimulator(opts);
  const s = sim;
  const auth = (apikey = SIM_BOT_API_KEY) => new IamAuthenticator({ apikey, url: s.url });
  return {
    sim: s,
    users: new UserManagementV1({ authenticator: auth(), serviceUrl: s.url }),
    identity: new IamIdentityV1({ authenticator: auth(), serviceUrl: s.url }),
    groups: new IamAccessGroupsV2({ authenticator: auth(), serviceUrl: s.url }),
    policies: new IamPolicyManagementV1({ authenticator: auth(), serviceUrl: s.url }),
    auth,
  };
}

async function janeKeys(identity: IamIdentityV1, accountId = ACME_PRODUCTION) {
  const res = await identity.listApiKeys({ accountId, scope: 'account', type: 'user', pagesize: 100 });
  return res.result.apikeys.filter((k) => k.iam_id === JANE);
}

describe('IBM Cloud simulator, driven by the real IBM SDK', () => {
  it('authenticates the SDK with the accepted API key and searches users by email as a substring in any letter case', async () => {
    const { sim, users } = await start();
    const res = await users.listUsers({ accountId: ACME_PRODUCTION, search: `email:${JANE_EMAIL}` });

    expect(res.status).toBe(200);
    // Both of Jane's records, and someone whose email merely contains hers.
    expect(res.result.resources!.map((u) => u.email)).toEqual([LOOKALIKE_EMAIL, JANE_EMAIL, JANE_SL_EMAIL]);
    expect(res.result.resources!.find((u) => u.realm === 'SL')).toMatchObject({ iam_id: SIM_IAM_IDS.janeSl, user_id: `2718281_${JANE_SL_EMAIL}` });
    expect(res.result.resources!.find((u) => u.iam_id === JANE)).toMatchObject({
      iam_id: JANE,
      email: JANE_EMAIL,
      user_id: JANE_EMAIL,
      state: 'ACTIVE',
      account_id: ACME_PRODUCTION,
      realm: 'IBMid',
    });
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /identity/token 200', `GET /v2/accounts/${ACME_PRODUCTION}/users 200`]);
    expect(sim.requests[1]!.query).toEqual({ search: `email:${JANE_EMAIL}` });
  });

  it('issues an unsigned JWT whose iat/exp drive the SDK token cache', async () => {
    const { sim } = await start({ tokenLifetimeSeconds: 600 });
    const res = await fetch(`${sim.url}/identity/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: SIM_BOT_API_KEY }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ refresh_token: 'not_supported', token_type: 'Bearer', expires_in: 600 });
    const [header, payload, signature] = String(body.access_token).split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'none', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    expect(claims.iam_id).toBe(SIM_IAM_IDS.alex);
    expect(claims.exp - claims.iat).toBe(600);
    expect(body.expiration).toBe(claims.exp);
    expect(signature).toBe('');
  });

  it('pages users with _start taken from next_url', async () => {
    const { users } = await start();
    const all = await new UserManagementV1.UsersPager(users, { accountId: ACME_PRODUCTION, limit: 1 }).getAll();
    expect(all.map((u) => u.email).sort()).toEqual(
      ['alex.admin@acme.example', JANE_EMAIL, JANE_SL_EMAIL, LOOKALIKE_EMAIL, 'morgan.manager@acme.example', 'sam.owner@acme.example'].sort(),
    );
  });

  it('rejects a wrong API key at the token endpoint', async () => {
    const { sim, auth } = await start();
    const users = new UserManagementV1({ authenticator: auth('not-a-real-key'), serviceUrl: sim.url });
    const err = await sdkError(users.listUsers({ accountId: ACME_PRODUCTION }));

    expect(err.status).toBe(400);
    expect(err.message).toBe('Provided API key could not be found.');
    expect(err.result).toMatchObject({ errorCode: 'BXNIM0415E' });
    expect(sim.requests.map((r) => r.path)).toEqual(['/identity/token']);
  });

  it('refuses service calls whose bearer token it did not issue', async () => {
    const { sim } = await start();
    const users = new UserManagementV1({
      authenticator: new BearerTokenAuthenticator({ bearerToken: 'eyJhbGciOiJub25lIn0.e30.' }),
      serviceUrl: sim.url,
    });
    const err = await sdkError(users.listUsers({ accountId: ACME_PRODUCTION }));
    expect(err.status).toBe(401);
    expect(err.result).toMatchObject({ status_code: 401, errors: [{ code: 'invalid_token' }] });
  });

  it('refuses an expired token with 401', async () => {
    // Lifetimes are whole seconds from a whole-second iat: 3 s leaves at least 2 s for the first call, also on a busy machine.
    const { sim } = await start({ tokenLifetimeSeconds: 3 });
    const tokenRes = await fetch(`${sim.url}/identity/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: SIM_BOT_API_KEY }),
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const url = `${sim.url}/v2/accounts/${ACME_PRODUCTION}/users`;
    expect((await fetch(url, { headers: { Authorization: `Bearer ${access_token}` } })).status).toBe(200);
    const { exp } = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    await sleep(exp * 1000 - Date.now() + 20);
    const res = await fetch(url, { headers: { Authorization: `Bearer ${access_token}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ errors: [{ code: 'token_expired' }] });
  });

  it("lists Jane's API keys account-wide and deletes them; reads confirm they are gone", async () => {
    const { sim, identity } = await start();
    const keys = await janeKeys(identity);
    expect(keys.map((k) => k.name).sort()).toEqual(['jane-ci-deploy', 'jane-terraform']);

    for (const k of keys) {
      const del = await identity.deleteApiKey({ id: k.id });
      expect(del.status).toBe(204);
    }

    expect(await janeKeys(identity)).toEqual([]);
    expect(sim.apiKeysOf(ACME_PRODUCTION, JANE)).toEqual([]);
    expect(sim.apiKeysOf(ACME_STAGING, JANE)).toHaveLength(1);
    expect((await sdkError(identity.deleteApiKey({ id: keys[0]!.id }))).status).toBe(404);
  });

  it("refuses to list another user's API keys by iam_id (filter scope=account results instead)", async () => {
    const { identity } = await start();
    const err = await sdkError(identity.listApiKeys({ accountId: ACME_PRODUCTION, iamId: JANE }));
    expect(err.status).toBe(403);
  });

  it('pages API keys with the pagetoken from next', async () => {
    const { identity } = await start();
    const first = await identity.listApiKeys({ accountId: ACME_PRODUCTION, scope: 'account', type: 'user', pagesize: 2 });
    expect(first.result.apikeys).toHaveLength(2);
    const pagetoken = new URL(first.result.next!).searchParams.get('pagetoken')!;
    const second = await identity.listApiKeys({ accountId: ACME_PRODUCTION, scope: 'account', type: 'user', pagesize: 2, pagetoken });
    expect(second.result.apikeys).toHaveLength(2);
    expect(second.result.next).toBeUndefined();
  });

  it('lists service IDs and trusted profiles of an account, with their history only when asked for it', async () => {
    const { identity } = await start();
    const sids = await identity.listServiceIds({ accountId: ACME_PRODUCTION });
    expect(sids.result.serviceids.map((s) => s.name).sort()).toEqual(['ci-artifacts-writer', 'ci-pipeline', 'log-shipper']);
    expect(sids.result.serviceids.every((s) => s.history === undefined && s.activity === undefined)).toBe(true);
    const withHistory = await identity.listServiceIds({ accountId: ACME_PRODUCTION, includeHistory: true });
    expect(withHistory.result.serviceids.find((s) => s.name === 'ci-pipeline')!.history![0]!.iam_id).toBe(JANE);
    const profiles = await identity.listProfiles({ accountId: ACME_STAGING });
    expect(profiles.result.profiles.map((p) => p.name)).toEqual(['staging-ci-federation']);
  });

  it("lists a trusted profile's linked identities and unlinks Jane, who stays listed for the consistency delay", async () => {
    const { sim, identity } = await start({ consistencyDelayMs: 300 });
    const [profile] = (await identity.listProfiles({ accountId: ACME_PRODUCTION })).result.profiles;
    const linked = async () => (await identity.getProfileIdentities({ profileId: profile!.id })).result.identities?.map((i) => i.iam_id);
    expect(await linked()).toEqual(expect.arrayContaining([JANE, SIM_IAM_IDS.alex]));

    const res = await identity.deleteProfileIdentity({ profileId: profile!.id, identityType: 'user', identifierId: JANE });
    expect(res.status).toBe(204);
    expect(sim.profilesLinkedTo(ACME_PRODUCTION, JANE)).toEqual([]);
    expect(await linked()).toContain(JANE);
    await sleep(350);
    expect(await linked()).toEqual([SIM_IAM_IDS.alex]);
    expect((await sdkError(identity.deleteProfileIdentity({ profileId: profile!.id, identityType: 'user', identifierId: JANE }))).status).toBe(404);
  });

  it('removes Jane from all access groups with a 207 per group and records the Transaction-Id', async () => {
    const { sim, groups } = await start();
    const before = await groups.listAccessGroups({ accountId: ACME_PRODUCTION, iamId: JANE, membershipType: 'static' });
    expect(before.result.groups!.map((g) => g.name).sort()).toEqual(['Billing Viewers', 'Developers', 'Kubernetes Operators']);
    expect(before.result.total_count).toBe(3);
    const member = await groups.isMemberOfAccessGroup({ accessGroupId: before.result.groups![0]!.id!, iamId: JANE });
    expect(member.status).toBe(204);

    const res = await groups.removeMemberFromAllAccessGroups({
      accountId: ACME_PRODUCTION,
      iamId: JANE,
      transactionId: 'offboard-req-42-step-groups',
    });
    expect(res.status).toBe(207);
    expect(res.result.iam_id).toBe(JANE);
    expect(res.result.groups).toHaveLength(3);
    for (const g of res.result.groups!) {
      expect(g).toMatchObject({ status_code: 204, trace: 'offboard-req-42-step-groups' });
    }
    expect(res.headers['transaction-id']).toBe('offboard-req-42-step-groups');
    const recorded = sim.requests.find((r) => r.method === 'DELETE' && r.path === `/v2/groups/_allgroups/members/${JANE}`)!;
    expect(recorded).toMatchObject({ transactionId: 'offboard-req-42-step-groups', status: 207, query: { account_id: ACME_PRODUCTION } });

    const after = await groups.listAccessGroups({ accountId: ACME_PRODUCTION, iamId: JANE, membershipType: 'static' });
    expect(after.result.groups).toEqual([]);
    const head = await sdkError(groups.isMemberOfAccessGroup({ accessGroupId: before.result.groups![0]!.id!, iamId: JANE }));
    expect(head.status).toBe(404);
    expect(sim.groupsOf(ACME_PRODUCTION, JANE)).toEqual([]);
    expect(sim.groupsOf(ACME_STAGING, JANE)).toHaveLength(1);
    // Nothing left: IBM answers 404.
    const again = await sdkError(groups.removeMemberFromAllAccessGroups({ accountId: ACME_PRODUCTION, iamId: JANE }));
    expect(again.status).toBe(404);
  });

  it("deletes Jane's direct policies and leaves access-group policies alone", async () => {
    const { sim, policies } = await start();
    const list = await policies.listV2Policies({ accountId: ACME_PRODUCTION, iamId: JANE });
    expect(list.result.policies).toHaveLength(2);
    for (const p of list.result.policies) {
      expect(p.subject!.attributes).toEqual([{ key: 'iam_id', operator: 'stringEquals', value: JANE }]);
      expect(p.state).toBe('active');
      expect((p.control as { grant: { roles: { role_id: string }[] } }).grant.roles.length).toBeGreaterThan(0);
    }

    for (const p of list.result.policies) {
      expect((await policies.deleteV2Policy({ id: p.id! })).status).toBe(204);
    }

    expect((await policies.listV2Policies({ accountId: ACME_PRODUCTION, iamId: JANE })).result.policies).toEqual([]);
    expect(sim.policiesOf(ACME_PRODUCTION, JANE)).toEqual([]);
    const all = await policies.listV2Policies({ accountId: ACME_PRODUCTION });
    expect(all.result.policies.some((p) => p.subject!.attributes!.some((a) => a.key === 'access_group_id'))).toBe(true);
    expect((await sdkError(policies.deleteV2Policy({ id: list.result.policies[0]!.id! }))).status).toBe(404);
  });

  it('removes Jane from the account, which also drops her groups and direct policies there', async () => {
    const { sim, users, groups, policies } = await start();
    const res = await users.removeUser({ accountId: ACME_PRODUCTION, iamId: JANE });
    expect(res.status).toBe(204);

    expect((await sdkError(users.getUserProfile({ accountId: ACME_PRODUCTION, iamId: JANE }))).status).toBe(404);
    const search = await users.listUsers({ accountId: ACME_PRODUCTION, search: `email:${JANE_EMAIL}` });
    expect(search.result.resources!.map((u) => u.iam_id)).not.toContain(JANE);
    const g = await groups.listAccessGroups({ accountId: ACME_PRODUCTION, iamId: JANE, membershipType: 'static' });
    expect(g.result.groups).toEqual([]);
    expect((await policies.listV2Policies({ accountId: ACME_PRODUCTION, iamId: JANE })).result.policies).toEqual([]);

    // Her SL record is another user of the account: removing one record leaves the other.
    expect(sim.usersInAccount(ACME_PRODUCTION, JANE_EMAIL).map((u) => u.iam_id)).toEqual([SIM_IAM_IDS.janeSl]);
    expect(sim.userInAccount(ACME_STAGING, JANE_EMAIL)).toMatchObject({ iam_id: JANE });
    expect(sim.policiesOf(ACME_STAGING, JANE)).toHaveLength(1);
    expect((await sdkError(users.removeUser({ accountId: ACME_PRODUCTION, iamId: JANE }))).status).toBe(404);
  });

  it('refuses to remove the account owner', async () => {
    const { sim, users } = await start();
    const err = await sdkError(users.removeUser({ accountId: ACME_PRODUCTION, iamId: SIM_IAM_IDS.sam }));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/owner.*cannot be removed/i);
    expect(sim.userInAccount(ACME_PRODUCTION, 'sam.owner@acme.example')).toBeDefined();
  });

  it('keeps listing a deleted key until the consistency delay has passed', async () => {
    const { sim, identity } = await start({ consistencyDelayMs: 300 });
    const [key] = await janeKeys(identity);
    await identity.deleteApiKey({ id: key!.id });

    expect(sim.apiKeysOf(ACME_PRODUCTION, JANE).map((k) => k.id)).not.toContain(key!.id);
    expect((await janeKeys(identity)).map((k) => k.id)).toContain(key!.id);
    expect((await sdkError(identity.deleteApiKey({ id: key!.id }))).status).toBe(404);

    await sleep(350);
    expect((await janeKeys(identity)).map((k) => k.id)).not.toContain(key!.id);
  });

  it('returns an injected 429 with Retry-After, then recovers after `times`', async () => {
    const { sim, identity } = await start();
    sim.inject({ method: 'GET', path: '/v1/apikeys', status: 429, times: 2, retryAfterSeconds: 7 });

    for (let i = 0; i < 2; i++) {
      const err = await sdkError(janeKeys(identity));
      expect(err.status).toBe(429);
      expect(err.headers!['retry-after']).toBe('7');
      expect(err.result).toMatchObject({ status_code: 429, errors: [{ code: 'too_many_requests' }] });
    }
    expect(await janeKeys(identity)).toHaveLength(2);
    expect(sim.requests.filter((r) => r.path === '/v1/apikeys').map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('lets the SDK retry a 429 after the Retry-After it sent', async () => {
    const { sim, auth } = await start();
    const identity = new IamIdentityV1({ authenticator: auth(), serviceUrl: sim.url });
    identity.enableRetries({ maxRetries: 2, maxRetryInterval: 5 });
    sim.inject({ method: 'GET', path: '/v1/apikeys', status: 429, times: 1, retryAfterSeconds: 1 });

    const t0 = Date.now();
    expect(await janeKeys(identity)).toHaveLength(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(sim.requests.filter((r) => r.path === '/v1/apikeys').map((r) => r.status)).toEqual([429, 200]);
  });

  it('surfaces an injected 403 as an SDK error with status 403 and changes nothing', async () => {
    const { sim, users } = await start();
    sim.inject({ method: 'DELETE', path: /\/v2\/accounts\/[^/]+\/users\//, status: 403 });
    const err = await sdkError(users.removeUser({ accountId: ACME_PRODUCTION, iamId: JANE }));
    expect(err.status).toBe(403);
    expect(err.result).toMatchObject({ status_code: 403 });
    expect(sim.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeDefined();

    sim.clearFaults();
    expect((await users.removeUser({ accountId: ACME_PRODUCTION, iamId: JANE })).status).toBe(204);
  });

  it('can fail the token endpoint itself', async () => {
    const { sim, users } = await start();
    sim.inject({ path: '/identity/token', status: 503, times: 1, retryAfterSeconds: 2 });
    const err = await sdkError(users.listUsers({ accountId: ACME_PRODUCTION }));
    expect(err.status).toBe(503);
    expect((await users.listUsers({ accountId: ACME_PRODUCTION })).status).toBe(200);
  });

  it('adds latency to every response', async () => {
    const { sim, users } = await start();
    await users.listUsers({ accountId: ACME_PRODUCTION }); // token fetched
    sim.setLatency(120);
    const t0 = Date.now();
    await users.getUserProfile({ accountId: ACME_PRODUCTION, iamId: JANE });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
  });

  it('answers unknown routes with an IBM-style 404', async () => {
    const { sim } = await start();
    const tokenRes = await fetch(`${sim.url}/identity/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=${encodeURIComponent('urn:ibm:params:oauth:grant-type:apikey')}&apikey=${SIM_BOT_API_KEY}`,
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const res = await fetch(`${sim.url}/v9/nothing-here`, { headers: { Authorization: `Bearer ${access_token}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status_code: 404, errors: [{ code: 'not_found' }] });
  });

  it('gives every instance its own copy of the seed', async () => {
    const { identity } = await start();
    const other = await startIbmCloudSimulator();
    others.push(other);
    const [key] = await janeKeys(identity);
    await identity.deleteApiKey({ id: key!.id });
    expect(other.apiKeysOf(ACME_PRODUCTION, JANE)).toHaveLength(2);
    expect(defaultIbmSeed().apiKeys.filter((k) => k.iam_id === JANE)).toHaveLength(3);
  });
});

describe("IAM's API key details, as the SDK's getApiKeysDetails asks for them", () => {
  it('answers the record of the key sent in the IAM-ApiKey header (its owner, account and creator), never the key itself', async () => {
    const { sim, identity } = await start();
    const res = await identity.getApiKeysDetails({ iamApiKey: SIM_BOT_API_KEY });
    expect(res.status).toBe(200);
    expect(res.result).toMatchObject({ iam_id: SIM_IAM_IDS.alex, account_id: ACME_PRODUCTION, created_by: SIM_IAM_IDS.alex, locked: false });
    expect(JSON.stringify(res.result)).not.toContain(SIM_BOT_API_KEY);
    expect(sim.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/apikeys/details', status: 200 });
  });

  it('the owner is whoever the seed says the bot runs as: a service ID, for a key moved off any person', async () => {
    const { identity } = await start({ seed: { ...defaultIbmSeed(), botIamId: 'iam-ServiceId-offboard-bot' } });
    expect((await identity.getApiKeysDetails({ iamApiKey: SIM_BOT_API_KEY })).result.iam_id).toBe('iam-ServiceId-offboard-bot');
  });

  it('a key IAM does not know is a 404, and no IAM-ApiKey header a 400', async () => {
    const { identity } = await start();
    expect((await sdkError(identity.getApiKeysDetails({ iamApiKey: 'not-a-key' }))).status).toBe(404);
    expect((await sdkError(identity.getApiKeysDetails({}))).status).toBe(400);
  });
});
