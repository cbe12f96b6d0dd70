import { afterEach, describe, expect, it } from 'vitest';
import { SCIM_PROFILES } from '../../src/connectors/scim/profiles/index.js';
import { type ScimSimulator, startScimSimulator } from '../../src/simulators/scim/index.js';

const TOKEN = 'sim-token';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
let sim: ScimSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(profile: keyof typeof SCIM_PROFILES) {
  sim = await startScimSimulator({
    profile: SCIM_PROFILES[profile]!,
    token: TOKEN,
    users: [{ id: 'u1', userName: 'jane@example.com', emails: [{ value: 'jane@example.com', type: 'work' }] }],
    groups: [{ id: 'g1', displayName: 'Eng', members: ['u1'] }],
  });
  return sim;
}

async function call(s: ScimSimulator, method: string, path: string, body?: unknown, token = TOKEN) {
  const res = await fetch(new URL(path, s.url), {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** The simulator answers as each vendor does, so a client that ignored the vendor's profile would be caught by it. */
describe('the SCIM application simulator', () => {
  it('refuses any other token', async () => {
    const s = await start('rfc');
    expect((await call(s, 'GET', 'Users/u1', undefined, 'wrong')).status).toBe(401);
  });

  it('refuses a filter its vendor does not support (GitHub: no email filter)', async () => {
    const s = await start('github-emu');
    const filter = encodeURIComponent('emails[type eq "work"].value eq "jane@example.com"');
    expect((await call(s, 'GET', `Users?filter=${filter}`)).status).toBe(400);
    expect((await call(s, 'GET', `Users?filter=${encodeURIComponent('userName eq "JANE@example.com"')}`)).body?.totalResults).toBe(1);
  });

  it('pages by cursor where its vendor does, from an empty cursor, refusing startIndex (AWS IAM Identity Center)', async () => {
    const s = await start('aws-identity-center');
    s.directory.users.set('u2', { id: 'u2', userName: 'ada@example.com', displayName: 'Ada', emails: [], active: true });
    expect((await call(s, 'GET', 'Users?startIndex=1&count=1')).status).toBe(400);
    const unpaged = (await call(s, 'GET', 'Users?count=1')).body;
    expect([unpaged?.itemsPerPage, unpaged?.totalResults, unpaged?.nextCursor]).toEqual([1, 2, undefined]);
    const first = (await call(s, 'GET', 'Users?count=1&cursor=')).body;
    expect([first?.itemsPerPage, typeof first?.nextCursor]).toEqual([1, 'string']);
    const second = (await call(s, 'GET', `Users?count=1&cursor=${first?.nextCursor}`)).body;
    const ids = [first, second].map((page) => ((page?.Resources ?? []) as { id: string }[]).map((u) => u.id));
    expect([ids, second?.nextCursor]).toEqual([[['u1'], ['u2']], undefined]);
    expect((await call(s, 'GET', 'Groups')).status).toBe(404);
  });

  it("takes only its vendor's PATCH dialect (GitHub: a value object with no path)", async () => {
    const s = await start('github-emu');
    const withPath = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] };
    expect((await call(s, 'PATCH', 'Users/u1', withPath)).status).toBe(400);
    expect(s.directory.users.get('u1')?.active).toBe(true);
    const valueObject = { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] };
    expect((await call(s, 'PATCH', 'Users/u1', valueObject)).body?.active).toBe(false);
  });

  it('refuses an empty PatchOp, as strict servers do', async () => {
    const s = await start('rfc');
    expect((await call(s, 'PATCH', 'Users/u1', { schemas: [PATCH_OP], Operations: [] })).status).toBe(400);
  });

  it('answers an injected 429 with Retry-After, the given number of times', async () => {
    const s = await start('rfc');
    s.fault({ status: 429, retryAfter: 3, times: 1 });
    const res = await fetch(new URL('Users/u1', s.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect([res.status, res.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await call(s, 'GET', 'Users/u1')).status).toBe(200);
  });

  it('deletes a user and their memberships where DELETE deletes', async () => {
    const s = await start('rfc');
    expect((await call(s, 'DELETE', 'Users/u1')).status).toBe(204);
    expect((await call(s, 'GET', 'Users/u1')).status).toBe(404);
    expect(s.directory.groups.get('g1')?.members).toEqual([]);
  });
});
