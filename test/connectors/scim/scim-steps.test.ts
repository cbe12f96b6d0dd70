import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { SCIM_PROFILES } from '../../../src/connectors/scim/profiles/index.js';
import { NotConfirmedError, PermanentError, RetryableError } from '../../../src/connectors/step-errors.js';
import { readBackOnce } from '../../../src/runs/run-step.js';
import { type Backend, janeSeed, rejection, type ScimApp, type Seed, StepDriver, startApp, stepOf, trail } from './scim-harness.js';

let redis: Redis;
const running: ScimApp[] = [];
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.close()));
});

async function app(backend: Backend, seed: Seed = janeSeed()): Promise<ScimApp> {
  const a = await startApp(backend, redis, seed);
  running.push(a);
  return a;
}

/** The same behaviour against our simulator and against a real SCIM server from npm (SCIMMY on express 4), with the generic RFC profile. */
describe.each<Backend>(['simulator', 'scimmy'])('a SCIM 2.0 application (%s), RFC profile', (backend) => {
  describe('the account', () => {
    it('is deactivated by the disable phase, confirmed by reading the user back, and nobody else is touched', async () => {
      const a = await app(backend);
      const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));

      expect(await account.run('disable')).toBe('verified');

      expect(a.isActive('u-jane')).toBe(false);
      expect(a.isActive('u-ada')).toBe(true);
      expect(await account.outcomes()).toEqual(['u-jane disabled']);
    });

    it('is reactivated by a reinstatement, and a reinstatement run twice reactivates once', async () => {
      const a = await app(backend);
      const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));
      await account.run('disable');
      const afterDisable = a.mutations();

      expect(await account.run('reinstate', 2)).toBe('verified');

      expect(a.isActive('u-jane')).toBe(true);
      expect(a.mutations()).toBe(afterDisable + 1);
      expect(await account.outcomes()).toEqual(['u-jane disabled', 'u-jane restored']);
    });

    it('is deleted by the delete phase, confirmed when GET /Users/{id} answers 404', async () => {
      const a = await app(backend);
      const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));
      await account.run('disable');

      expect(await account.run('delete')).toBe('verified');

      expect(a.exists('u-jane')).toBe(false);
      expect(a.exists('u-ada')).toBe(true);
      expect(await account.outcomes()).toEqual(['u-jane disabled', 'u-jane removed']);
    });

    it('deactivated before the offboarding stays deactivated after a reinstatement', async () => {
      const a = await app(backend, janeSeed({ janeActive: false }));
      const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));

      await account.run('disable');
      await account.run('reinstate');

      expect(a.isActive('u-jane')).toBe(false);
      expect(await account.outcomes()).toEqual(['u-jane already_absent']);
    });

    it('is never green while the application still shows it active', async () => {
      const a = await app(backend);
      const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));
      const caps = account.caps;
      const ctx = { ...(await account.context()), stepId: 'acme-scim.directory.account' };
      // Nothing is changed, so the application keeps showing Jane active.
      const outcome = await rejection(
        readBackOnce(
          { ...caps.disable!, inventory: caps.inventory },
          ctx,
          { startedAt: Date.now(), checks: 0, pauseMs: 0 },
          { timeoutMs: 0, intervalMs: 1 },
          account.audit,
          'once',
        ),
      );

      expect(outcome).toBeInstanceOf(NotConfirmedError);
      expect(String(outcome)).toContain('Jane Doe (u-jane)');
      expect((await account.audit.read(account.requestId)).filter((e) => e.type === 'step.verified')).toEqual([]);
    });
  });

  describe('the group memberships', () => {
    it('are removed with a snapshot each and restored from it, exactly: other members and groups untouched', async () => {
      const a = await app(backend);
      const groups = new StepDriver(a, stepOf(a, 'groups'), trail(redis));

      expect(await groups.run('disable')).toBe('verified');
      expect(a.members('g-eng')).toEqual(['u-ada']);
      expect(a.members('g-ops')).toEqual([]);
      expect(a.members('g-fin')).toEqual(['u-ada']);

      expect(await groups.run('reinstate', 2)).toBe('verified');
      expect(a.members('g-eng').sort()).toEqual(['u-ada', 'u-jane']);
      expect(a.members('g-ops')).toEqual(['u-jane']);
      expect(a.members('g-fin')).toEqual(['u-ada']);
      expect((await groups.outcomes()).sort()).toEqual(['g-eng removed', 'g-eng restored', 'g-ops removed', 'g-ops restored']);
    });
  });

  describe('a worker that dies between a change and its record', () => {
    it("runs again and changes nothing twice; the change is recorded as the bot's, with its snapshot, and a reinstatement restores it", async () => {
      const a = await app(backend);
      const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));
      const groups = new StepDriver(a, stepOf(a, 'groups'), trail(redis));

      expect(await account.run('disable', 2, { firstDiesAfterChange: true })).toBe('verified');
      expect(await groups.run('disable', 2, { firstDiesAfterChange: true })).toBe('verified');

      expect(a.mutations()).toBe(3);
      expect(await account.outcomes()).toEqual(['u-jane disabled']);
      expect((await groups.outcomes()).sort()).toEqual(['g-eng removed', 'g-ops removed']);

      expect(await account.run('reinstate')).toBe('verified');
      expect(await groups.run('reinstate')).toBe('verified');
      expect([a.isActive('u-jane'), a.members('g-eng').sort(), a.members('g-ops')]).toEqual([true, ['u-ada', 'u-jane'], ['u-jane']]);
    });
  });

  describe('an account already gone', () => {
    it('is answered as already absent by a second delete, and nothing is changed', async () => {
      const a = await app(backend);
      const account = new StepDriver(a, stepOf(a, 'account'), trail(redis));
      const caps = account.caps;
      const ctx = await account.context();
      const { found } = await caps.inventory(ctx);
      for await (const _ of caps.delete!.act(ctx, found));
      const before = a.mutations();

      const again = [];
      for await (const change of caps.delete!.act(ctx, found)) again.push(change.outcome);

      expect(again).toEqual(['already_absent']);
      expect(a.mutations()).toBe(before);
    });
  });

  describe('memberships and an account already changed by someone else', () => {
    it('are answered as already absent when acted on again, and nothing is changed (a SCIM server answers 200 to removing a non-member)', async () => {
      const a = await app(backend);
      for (const step of ['groups', 'account'] as const) {
        const driver = new StepDriver(a, stepOf(a, step), trail(redis));
        const caps = driver.caps;
        const ctx = await driver.context();
        const { found } = await caps.inventory(ctx);
        for await (const _ of caps.disable!.act(ctx, found));
        const before = a.mutations();

        const again: string[] = [];
        for await (const change of caps.disable!.act(ctx, found)) again.push(change.outcome);

        expect(again, step).toEqual(found.map(() => 'already_absent'));
        expect(a.mutations(), step).toBe(before);
      }
    });
  });

  describe('finding the person', () => {
    it('refuses two different users with the same email, never guessing, and changes nothing', async () => {
      const seed = janeSeed();
      // Another account whose work email is Jane's, in another case.
      seed.users.push({ id: 'u-jane2', userName: 'jdoe', emails: [{ value: 'jane.doe@example.com', type: 'work' }] });
      const a = await app(backend, seed);

      const refused = await rejection(a.identify({ requestId: 'OFF-1', slackUserId: 'U1', email: 'jane.doe@example.com' }));

      expect(refused).toBeInstanceOf(PermanentError);
      expect(String(refused)).toMatch(/2 users .* \(ids u-jane, u-jane2\); refusing to guess/);
      expect(a.mutations()).toBe(0);
    });

    it('follows every page of a list', async () => {
      // 230 colleagues on 3 pages of 100, Jane on the last: found by listing, case-insensitively (a case-exact filter would miss her).
      const seed: Seed = {
        users: [
          ...Array.from({ length: 230 }, (_, i) => ({ id: `u-${String(i).padStart(3, '0')}`, userName: `person${i}@example.com` })),
          { id: 'u-jane', userName: 'Jane.Doe@Example.com', displayName: 'Jane Doe' },
        ],
      };
      const a = await startApp(backend, redis, seed, { ...SCIM_PROFILES.rfc!, id: 'rfc-case-exact', filter: { emails: 'typed', caseExact: true } });
      running.push(a);

      const found = await a.identify({ requestId: 'OFF-1', slackUserId: 'U1', email: 'jane.doe@example.com' });

      expect(found.map((i) => i.id)).toEqual(['u-jane']);
    });
  });

  describe('errors, classified once at the edge', () => {
    it('a 429 with Retry-After is retryable after that wait, a 5xx is retryable, a 403 is permanent and names the token variable', async () => {
      const a = await app(backend);
      const person = { requestId: 'OFF-1', slackUserId: 'U1', email: 'jane.doe@example.com' };

      a.fail(429, 7);
      const limited = await rejection(a.identify(person));
      expect(limited).toBeInstanceOf(RetryableError);
      expect((limited as RetryableError).retryAfterMs).toBe(7_000);

      a.fail(503);
      expect(await rejection(a.identify(person))).toBeInstanceOf(RetryableError);

      a.fail(403);
      const refused = await rejection(a.identify(person));
      expect(refused).toBeInstanceOf(PermanentError);
      expect(refused).not.toBeInstanceOf(RetryableError);
      expect(String(refused)).toContain('ACME_SCIM_TOKEN');

      a.heal();
      expect((await a.identify(person)).map((i) => i.id)).toEqual(['u-jane']);
    });
  });
});
