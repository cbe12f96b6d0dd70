import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseScimProfile, type ScimProfile } from '../../../src/connectors/scim/profile.js';
import { SCIM_PROFILES } from '../../../src/connectors/scim/profiles/index.js';
import { ScimClient } from '../../../src/connectors/scim/scim-client.js';
import { SCIM_DIRECTORY, scimSystem } from '../../../src/connectors/scim/system.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import { Keys } from '../../../src/redis.js';
import { phasesOf } from '../../../src/runs/step-phases.js';
import { PermanentError, RetryableError } from '../../../src/connectors/step-errors.js';
import { startScimmyServer } from '../../support/scimmy-server.js';
import { type Backend, JANE, JANE_EMAIL, janeSeed, rejection, type ScimApp, type Seed, StepDriver, startApp, stepOf, TOKEN, trail } from './scim-harness.js';

let redis: Redis;
const running: { close(): Promise<void> }[] = [];
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.close()));
});

async function started(backend: Backend, profile: ScimProfile, seed: Seed = janeSeed()): Promise<ScimApp> {
  const a = await startApp(backend, redis, seed, profile);
  running.push(a);
  return a;
}
const simulated = (profile: ScimProfile, seed?: Seed) => started('simulator', profile, seed);

const patches = (a: ScimApp, prefix: string) =>
  a
    .calls()
    .filter((c) => c.method === 'PATCH' && c.path.startsWith(prefix) && c.status < 300)
    .map((c) => c.body);
const filtersSent = (a: ScimApp) => a.calls().flatMap((c) => (c.path === '/Users' ? [new URLSearchParams(c.query).get('filter')] : []));

/**
 * Each profile runs against our simulator (which answers only as its vendor documents, refusing any
 * other dialect) and against SCIMMY, a real SCIM server from npm, fronted by an adapter only where
 * the vendor documents a behaviour SCIMMY lacks (`scimmyAdaptersFor`: AWS's cursor paging).
 */
const BACKENDS: Backend[] = ['simulator', 'scimmy'];

describe('the shipped SCIM vendor profiles', () => {
  it('ship the generic RFC profile and real vendors, each naming the public documents it follows', () => {
    expect(Object.keys(SCIM_PROFILES).sort()).toEqual(['atlassian', 'aws-identity-center', 'entra-app', 'github-emu', 'rfc']);
    for (const profile of Object.values(SCIM_PROFILES)) {
      expect(profile.documents.length, profile.id).toBeGreaterThan(0);
      for (const d of profile.documents) expect(d.url, profile.id).toMatch(/^https:\/\//);
    }
  });

  for (const profile of Object.values(SCIM_PROFILES)) {
    describe.each(BACKENDS)(`${profile.name} (%s)`, (backend) => {
      it(`disables${profile.reactivate ? ', reinstates' : ''} and deletes the account speaking only the dialect its vendor accepts`, async () => {
        const a = await started(backend, profile);
        const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));

        expect(await account.run('disable')).toBe('verified');
        expect(a.isActive('u-jane')).toBe(false);
        const op = profile.patch.opCase === 'capitalised' ? 'Replace' : 'replace';
        const sent = profile.patch.form === 'path' ? { op, path: 'active', value: false } : { op, value: { active: false } };
        expect(patches(a, '/Users/')).toEqual([{ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [sent] }]);

        if (profile.reactivate) {
          expect(await account.run('reinstate')).toBe('verified');
          expect(a.isActive('u-jane')).toBe(true);
        }
        expect(await account.run('delete')).toBe('verified');
        expect(a.exists('u-jane')).toBe(false);
        expect(a.exists('u-ada')).toBe(true);
      });

      if (profile.groups) {
        const { remove } = profile.groups;
        it(`takes the person out of every group (${remove}) with a snapshot, and puts them back from it`, async () => {
          const a = await started(backend, profile);
          const groups = new StepDriver(a, stepOf(a, 'groups'), trail(redis));

          expect(await groups.run('disable')).toBe('verified');
          expect([a.members('g-eng'), a.members('g-ops'), a.members('g-fin')]).toEqual([['u-ada'], [], ['u-ada']]);
          const removal = (patches(a, '/Groups/')[0] as { Operations: unknown[] }).Operations[0];
          const op = profile.patch.opCase === 'capitalised' ? 'Remove' : 'remove';
          expect(removal).toEqual(
            remove === 'path-filter' ? { op, path: 'members[value eq "u-jane"]' } : { op, path: 'members', value: [{ value: 'u-jane' }] },
          );

          expect(await groups.run('reinstate')).toBe('verified');
          expect([a.members('g-eng').sort(), a.members('g-ops'), a.members('g-fin')]).toEqual([['u-ada', 'u-jane'], ['u-jane'], ['u-ada']]);
          const adds = patches(a, '/Groups/').map((p) => (p as { Operations: { op: string }[] }).Operations[0]?.op);
          expect(adds.slice(2)).toEqual([profile.patch.opCase === 'capitalised' ? 'Add' : 'add', profile.patch.opCase === 'capitalised' ? 'Add' : 'add']);
        });
      } else {
        it('has no groups step, and never asks for Groups', async () => {
          const a = await started(backend, profile);
          expect(a.steps.map((s) => s.step)).toEqual(['account']);
          await new StepDriver(a, stepOf(a, 'account'), trail(redis)).run('disable');
          expect(a.calls().filter((c) => c.path.startsWith('/Groups'))).toEqual([]);
        });
      }

      it(`finds the person by ${profile.filter.emails === 'none' ? 'user name only' : 'user name and work email'}, following every page (${profile.paging.style})`, async () => {
        const seed: Seed = {
          users: [
            ...Array.from({ length: 230 }, (_, i) => ({ id: `u-${String(i).padStart(3, '0')}`, userName: `person${i}@example.com` })),
            { id: 'u-jane', userName: 'JANE.DOE@example.com', displayName: 'Jane Doe', emails: [{ value: JANE_EMAIL, type: 'work' }] },
          ],
        };
        const a = await started(backend, { ...profile, filter: { ...profile.filter, caseExact: true } }, seed);

        expect((await a.identify(JANE)).map((i) => i.id)).toEqual(['u-jane']);

        const lists = a.calls().filter((c) => c.path === '/Users');
        expect(lists.length).toBe(3);
        const params = lists.map((c) => new URLSearchParams(c.query));
        if (profile.paging.style === 'cursor') {
          expect(params.map((p) => p.has('startIndex'))).toEqual([false, false, false]);
          // AWS pages only from an empty cursor: without one it answers the first page and no nextCursor.
          expect(params.map((p) => p.get('cursor'))).toEqual(['', expect.stringMatching(/.+/), expect.stringMatching(/.+/)]);
        } else {
          expect(params.map((p) => p.get('startIndex'))).toEqual(['1', '101', '201']);
        }
      });

      if (profile.filter.emails !== 'none') {
        it('filters on the user name, then on the work email: a person whose user name is not their email is found by it', async () => {
          const seed = janeSeed();
          seed.users[0]!.userName = 'jdoe';
          const a = await started(backend, profile, seed);

          expect((await a.identify(JANE)).map((i) => i.id)).toEqual(['u-jane']);

          const email = profile.filter.emails === 'typed' ? `emails[type eq "work"].value eq "${JANE_EMAIL}"` : `emails.value eq "${JANE_EMAIL}"`;
          expect(filtersSent(a).sort()).toEqual([email, `userName eq "${JANE_EMAIL}"`].sort());
        });

        it('refuses two users, one by user name and one by work email, never guessing, and changes nothing', async () => {
          const seed = janeSeed();
          seed.users.push({ id: 'u-jane2', userName: 'jdoe', emails: [{ value: JANE_EMAIL, type: 'work' }] });
          const a = await started(backend, profile, seed);

          const refused = await rejection(a.identify(JANE));

          expect(refused).toBeInstanceOf(PermanentError);
          expect(String(refused)).toMatch(/2 users .* \(ids u-jane, u-jane2\); refusing to guess/);
          expect(a.mutations()).toBe(0);
        });
      } else {
        it('filters on the user name only, never on an email the vendor cannot filter on', async () => {
          const seed = janeSeed();
          seed.users[0]!.userName = 'jdoe';
          const a = await started(backend, profile, seed);

          expect(await a.identify(JANE)).toEqual([]);

          expect(filtersSent(a)).toEqual([`userName eq "${JANE_EMAIL}"`]);
        });

        // SCIMMY's `eq` compares case-exactly where these vendors' does not: against it the profile
        // lists every user and compares here (caseExact), which is what finds the second account.
        it('refuses two users whose user names differ only in case, never guessing, and changes nothing', async () => {
          const seed = janeSeed();
          seed.users.push({ id: 'u-jane2', userName: 'Jane.Doe@Example.com' });
          const a = await started(backend, backend === 'scimmy' ? { ...profile, filter: { ...profile.filter, caseExact: true } } : profile, seed);

          const refused = await rejection(a.identify(JANE));

          expect(refused).toBeInstanceOf(PermanentError);
          expect(String(refused)).toMatch(/2 users .* \(ids u-jane, u-jane2\); refusing to guess/);
          expect(a.mutations()).toBe(0);
        });
      }

      it(`a 429 with ${profile.rateLimit.retryAfter} waits as long as it says, changing nothing; the next try goes through`, async () => {
        const a = await started(backend, profile);
        const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));

        a.fail(429, undefined, { [profile.rateLimit.retryAfter]: '7' });
        const limited = await rejection(account.run('disable'));
        expect(limited).toBeInstanceOf(RetryableError);
        expect((limited as RetryableError).retryAfterMs).toBe(7_000);
        expect([a.isActive('u-jane'), a.mutations()]).toEqual([true, 0]);

        a.heal();
        expect(await account.run('disable')).toBe('verified');
      });
    });
  }

  // Against the simulator only: SCIMMY, like RFC 7644, takes op values in any case, so no RFC form is
  // refused by it; the simulator answers 400 as Microsoft documents such applications may.
  it('a vendor that accepts only its own dialect refuses the RFC form: the profile is what makes the change go through (simulator: SCIMMY accepts both)', async () => {
    const entra = await simulated(SCIM_PROFILES['entra-app']!);
    const rfcClient = new ScimClient({ ...entra.client.instance, profile: SCIM_PROFILES.rfc! });

    const refused = await rejection(rfcClient.setActive('u-jane', false));

    expect(refused).toBeInstanceOf(PermanentError);
    expect(String(refused)).toContain('answered 400');
    expect(entra.isActive('u-jane')).toBe(true);
  });

  it.each(BACKENDS)('GitHub (%s): a 403 with x-ratelimit-remaining 0 waits until x-ratelimit-reset; a 403 without it is a refusal', async (backend) => {
    const a = await started(backend, SCIM_PROFILES['github-emu']!);
    const reset = Math.floor(Date.now() / 1000) + 120;
    a.fail(403, undefined, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) });

    const limited = await rejection(a.client.getUser('u-jane'));
    expect(limited).toBeInstanceOf(RetryableError);
    expect((limited as RetryableError).retryAfterMs).toBeGreaterThan(100_000);
    expect((limited as RetryableError).retryAfterMs).toBeLessThanOrEqual(120_000);

    a.fail(403, undefined, { 'x-ratelimit-remaining': '4999' });
    const refused = await rejection(a.client.getUser('u-jane'));
    expect(refused).toBeInstanceOf(PermanentError);
    expect(refused).not.toBeInstanceOf(RetryableError);
  });

  describe.each(BACKENDS)('profiles beyond the shipped ones (%s)', (backend) => {
    const rfc = SCIM_PROFILES.rfc!;

    // Against SCIMMY through the `delete-deactivates` adapter, which answers DELETE as Slack documents it.
    it('a DELETE that only deactivates is the disable, and PATCH active=true reinstates (Slack-like)', async () => {
      const a = await started(backend, { ...rfc, id: 'deactivating-delete', delete: 'deactivate', patchActive: false });
      const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));
      expect(phasesOf(account.caps)).toEqual(['disable', 'delete', 'reinstate']);

      expect(await account.run('disable')).toBe('verified');
      expect(
        a
          .calls()
          .filter((c) => c.method !== 'GET')
          .map((c) => `${c.method} ${c.path}`),
      ).toEqual(['DELETE /Users/u-jane']);
      expect([a.exists('u-jane'), a.isActive('u-jane')]).toEqual([true, false]);

      expect(await account.run('reinstate')).toBe('verified');
      expect(a.isActive('u-jane')).toBe(true);
    });

    it('a vendor without DELETE (Canva-like) has no delete action: the delete phase deactivates again, and the account stays', async () => {
      const a = await started(backend, { ...rfc, id: 'no-delete', delete: 'unsupported' });
      const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));
      expect(account.caps.delete).toBeUndefined();

      await account.run('disable');
      expect(await account.run('delete')).toBe('verified');

      expect(a.calls().filter((c) => c.method === 'DELETE')).toEqual([]);
      expect([a.exists('u-jane'), a.isActive('u-jane')]).toEqual([true, false]);
    });

    it('a vendor whose active cannot come back has no reinstatement for the account', async () => {
      const a = await started(backend, { ...rfc, id: 'one-way', reactivate: false });
      const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));
      expect(phasesOf(account.caps)).toEqual(['disable', 'delete']);
      expect(account.caps.restore).toBeUndefined();

      expect(await account.run('disable')).toBe('verified');
      expect(
        a
          .calls()
          .filter((c) => c.method === 'PATCH')
          .map((c) => (c.body as { Operations: { value: unknown }[] }).Operations[0]?.value),
      ).toEqual([false]);
    });
  });

  it('a server that answers the first page again instead of the next (SCIMMY Routers under express 5) is refused, not looped on', async () => {
    const users = Array.from({ length: 230 }, (_, i) => ({ id: `u-${i}`, userName: `person${i}@example.com` }));
    const server = await startScimmyServer({ token: TOKEN, users, express: 5 });
    running.push(server);
    const client = new ScimClient({
      id: 'acme',
      name: 'Acme SCIM',
      baseUrl: server.url,
      token: TOKEN,
      tokenEnv: 'ACME_SCIM_TOKEN',
      timeoutMs: 5_000,
      profile: { ...SCIM_PROFILES.rfc!, filter: { emails: 'typed', caseExact: true } },
    });

    const refused = await rejection(client.findPerson('person229@example.com'));

    expect(refused).toBeInstanceOf(PermanentError);
    expect(String(refused)).toMatch(/answered u-0 again on a later page/);
  });
});

describe('a declared SCIM application', () => {
  const declaration = {
    id: 'github',
    name: 'GitHub Enterprise',
    base_url: 'https://api.github.com/scim/v2/enterprises/acme/',
    token_env: 'GITHUB_SCIM_TOKEN',
    profile: 'github-emu',
  };

  it('is a system switched on by its token variable, with the steps its profile allows', () => {
    const { module, steps } = scimSystem(declaration);
    const settings = module.configure({ GITHUB_SCIM_TOKEN: 'a-token' });
    if ('problems' in settings) throw new Error(settings.problems.join('; '));
    // Building the steps' capabilities calls nothing: the client never connects.
    const client = settings.connect({ metrics: createMetrics(), redis: new Redis({ lazyConnect: true }), keys: new Keys('scim-declared') });
    expect([module.id, module.title, module.switchedOnBy]).toEqual(['github', 'GitHub Enterprise', 'GITHUB_SCIM_TOKEN']);
    expect(steps.map((s) => [s.step, phasesOf(s.connect(client, SCIM_DIRECTORY))])).toEqual([
      ['groups', ['disable', 'delete', 'reinstate']],
      ['account', ['disable', 'delete', 'reinstate']],
    ]);
    expect(module.notCovered).toContain(SCIM_PROFILES['github-emu']!.notCovered[0]);
  });

  it('names the missing token variable, never a value', () => {
    const settings = scimSystem(declaration).module.configure({});
    expect(settings).toEqual({ problems: ['GITHUB_SCIM_TOKEN is not set: GitHub Enterprise (declared in OFFBOARD_SYSTEMS_FILE) needs its SCIM token there'] });
  });

  it('is refused with every problem listed: an unknown profile names those there are', () => {
    expect(() => scimSystem({ ...declaration, profile: 'gitlab', token_env: 'lower', base_url: 'ftp://x' })).toThrow(
      /base_url: base_url must be an http\(s\) URL; token_env: the name of an environment variable.*/,
    );
    expect(() => scimSystem({ ...declaration, profile: 'gitlab' })).toThrow(
      'SCIM application "github": profile: unknown SCIM profile "gitlab": one of rfc, github-emu, atlassian, aws-identity-center, entra-app',
    );
  });

  it('a profile file that does not hold is refused with each problem named by its field', () => {
    const broken = { ...SCIM_PROFILES.rfc!, documents: [], delete: 'erase', patch: { opCase: 'upper', form: 'path' } };
    expect(() => parseScimProfile('broken.json', broken)).toThrow(/SCIM profile broken.json is not valid: documents: .*; delete: .*; patch.opCase: /);
  });
});

describe('the SCIM client at its edge', () => {
  it.each(BACKENDS)(
    'follows an account by its id once its user name and email changed (GitHub obfuscates them on deactivation), through to reinstatement (%s)',
    async (backend) => {
      const a = await started(backend, SCIM_PROFILES['github-emu']!);
      const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));
      await account.run('disable');
      a.edit('u-jane', { userName: 'a1b2c3d4_acme', emails: [{ value: 'a1b2c3d4@users.noreply.example', type: 'work' }] });

      expect(await a.identify(JANE)).toEqual([]);
      expect(await account.run('reinstate')).toBe('verified');

      expect(a.isActive('u-jane')).toBe(true);
    },
  );

  it('makes outside text well-formed where it comes in', async () => {
    const seed = janeSeed();
    seed.users[0]!.displayName = 'Jane \ud800 Doe';
    const a = await simulated(SCIM_PROFILES.rfc!, seed);

    const [jane] = await a.identify(JANE);

    expect(jane?.label).toBe('Jane \ufffd Doe');
  });

  it('no answer at all is retryable and says where it could not reach', async () => {
    // Not in `running`: it is closed here, before the call.
    const a = await startApp('simulator', redis, janeSeed(), SCIM_PROFILES.rfc!);
    await a.close();

    const unreachable = await rejection(a.client.getUser('u-jane'));

    expect(unreachable).toBeInstanceOf(RetryableError);
    expect(String(unreachable)).toMatch(/get user: cannot reach Acme SCIM \(ECONNREFUSED\)/);
  });

  it('checks at start-up that the token works, naming its variable when it does not', async () => {
    const a = await simulated(SCIM_PROFILES.rfc!);
    await expect(a.client.probe()).resolves.toBeUndefined();

    const wrong = new ScimClient({ ...a.client.instance, token: 'not-the-token' });
    const refused = await rejection(wrong.probe());

    expect(refused).toBeInstanceOf(PermanentError);
    expect(String(refused)).toContain('check access: Acme SCIM refused the token (401). Check ACME_SCIM_TOKEN');
    expect(String(refused)).not.toContain('not-the-token');
  });
});
