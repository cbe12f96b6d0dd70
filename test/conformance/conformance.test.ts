import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { StepContext } from '../../src/connectors/connector.js';
import { NotConfirmedError, PermanentError, RateLimitedError, RetryableError } from '../../src/connectors/step-errors.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { readingFresh } from '../../src/connectors/read-fresh.js';
import { Keys } from '../../src/redis.js';
import { actOnStep, readBackOnce, type PhaseStep } from '../../src/runs/run-step.js';
import { runView } from '../../src/runs/run-view.js';
import { type Change, itemKey, settles } from '../../src/connectors/connector.js';
import { stepId } from '../../src/connectors/step-ref.js';
import { restoring, snapshotsOf, stepJobsOf, type StepJob } from '../../src/runs/step-job.js';
import type { ConnectedSystem, Identity, SystemModule } from '../../src/connectors/system.js';
import { Redis } from 'ioredis';
import { SYSTEMS } from '../../jobs/systems.js';
import { identifyEverywhere } from '../../src/runs/identities.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { phasesOf } from '../../src/runs/step-phases.js';
import { kitOf, kitOfDeclared, type ConformanceOptions, type SimulatorKit, type SystemOnTrial } from '../../src/simulators/kit.js';
import { SCIM_PROFILES } from '../../src/connectors/scim/profiles/index.js';
import { declaredModule, type SystemDeclaration } from '../../src/connectors/system-kinds.js';

/** A registered system switched on against its simulator (its kit), with one person seeded in it. */
interface SystemUnderTest extends SystemOnTrial {
  connected: ConnectedSystem;
}

const running: SystemUnderTest[] = [];
let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.disconnect());
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** The system's client against its kit's simulator, as a worker builds it from the variables the kit gives. */
function connect(module: SystemModule, env: Record<string, string>, redis: Redis): ConnectedSystem {
  const settings = module.configure(env);
  if ('problems' in settings) throw new Error(`${module.title}: ${settings.problems.join('; ')}`);
  const client = settings.connect({ metrics: createMetrics(), redis, keys: new Keys(`conformance-${module.id}-${Date.now()}-${Math.random()}`) });
  return { module, settings, client };
}

/**
 * SCIM applications declared as an operator declares them in the systems file, one per shipped
 * profile: each runs the whole suite, as a built-in system does. Their kit is their kind's.
 */
const DECLARED: SystemDeclaration[] = Object.values(SCIM_PROFILES).map((profile) => ({
  id: `scim-${profile.id}`,
  kind: 'scim',
  name: `${profile.name} (declared)`,
  token_env: `SCIM_${profile.id.toUpperCase().replaceAll('-', '_')}_TOKEN`,
  profile: profile.id,
}));

/** A system to run the suite on: a built-in one, or one declared, whose module is built from its entry pointing at its simulator. */
interface Candidate {
  kit: SimulatorKit;
  /** The module as the trial's simulator is reached: a declared one's entry names its URL. */
  moduleFor(trial: SystemOnTrial): SystemModule;
}

function declared(trial: SystemOnTrial): SystemModule {
  if (!trial.declaration) throw new Error('the kit of a declared system hands back its entry');
  const module = declaredModule(trial.declaration);
  if ('problems' in module) throw new Error(`${trial.declaration.id}: ${module.problems.join('; ')}`);
  return module;
}

const CANDIDATES: Candidate[] = [
  ...(await Promise.all(SYSTEMS.map(async (module) => ({ kit: await kitOf(module.id), moduleFor: () => module })))),
  ...(await Promise.all(DECLARED.map(async (declaration) => ({ kit: await kitOfDeclared(declaration), moduleFor: declared })))),
];

async function start(candidate: Candidate, opts?: ConformanceOptions): Promise<SystemUnderTest> {
  const trial = await candidate.kit.conformance(opts);
  const sut = { ...trial, connected: connect(candidate.moduleFor(trial), trial.env, redis) };
  running.push(sut);
  await trial.prepare?.(sut.connected.client);
  return sut;
}

/**
 * Every registered system with its steps and the phases each takes part in, read from the
 * capabilities it has with a client of the system: which cases apply to a step is known before
 * any runs. Building capabilities calls nothing, so the client is never connected.
 */
const REGISTERED = await Promise.all(
  CANDIDATES.map(async (candidate) => {
    const trial = await candidate.kit.conformance();
    const lazy = new Redis({ lazyConnect: true });
    try {
      const module = candidate.moduleFor(trial);
      const connected = connect(module, trial.env, lazy);
      const systems = new Map([[module.id, connected]]);
      const steps = stepJobsOf(module).map((job) => ({ job, phases: phasesOf(job.capabilities({ systems }, connected.settings.scopes[0]!)) }));
      return { candidate, module, steps };
    } finally {
      lazy.disconnect();
      await trial.close();
    }
  }),
);

const identified = new WeakMap<SystemUnderTest, Identity[]>();

/**
 * What a step is given in a run: the person and every identity the system's identification found,
 * with those of earlier identifications (someone removed from an account is no longer found there).
 */
async function contextOf(sut: SystemUnderTest, scope: string): Promise<StepContext> {
  const { module } = sut.connected;
  const identities = await identifyEverywhere(sut.connected, sut.person, identified.get(sut) ?? []);
  identified.set(sut, identities);
  expect(identities.length, `${module.title} finds the seeded person`).toBeGreaterThan(0);
  // A request that ends what the person created from the disable phase on (Disable): steps that
  // would keep it, handed over or until the delete phase, act instead.
  return {
    requestId: sut.person.requestId,
    scope,
    transactionId: `offboard-${sut.person.requestId}-conformance`,
    person: sut.person,
    identities,
    created: { choice: 'disable' },
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

/**
 * One execution of a step's act, as the step job runs it, on a trail of its own: the step planned
 * in the phase it removes in, and what earlier executions recorded taken into account.
 */
async function execute(sut: SystemUnderTest, step: StepJob, audit: AuditTrail, attempt: number, wrap: (s: PhaseStep) => PhaseStep = (s) => s) {
  const scope = sut.connected.settings.scopes[0]!;
  const ctx = await contextOf(sut, scope);
  const caps = step.capabilities({ systems: new Map([[step.system.id, sut.connected]]) }, scope);
  const phase = caps.disable ? 'disable' : 'delete';
  const ref = step.ref(scope);
  const id = stepId(ref);
  if (attempt === 1) await audit.append(ctx.requestId, { type: 'run.planned', round: 1, phase, steps: [ref], startsAt: new Date().toISOString() });
  const earlier = runView(await audit.read(ctx.requestId)).steps.find((s) => s.id === id && s.phase === phase);
  const action = (caps.disable ?? caps.delete)!;
  const acted = await actOnStep(
    wrap({ ...action, inventory: caps.inventory }),
    { ...ctx, stepId: id, transactionId: `${ctx.transactionId}-a${attempt}` },
    earlier,
    audit,
  );
  return { requestId: ctx.requestId, acted };
}

/** A reinstatement round of the step after `execute` disabled in round 1, driven as the runner drives a restore. */
async function reinstate(sut: SystemUnderTest, step: StepJob, audit: AuditTrail, requestId: string) {
  const scope = sut.connected.settings.scopes[0]!;
  const ref = step.ref(scope);
  const id = stepId(ref);
  await audit.append(requestId, { type: 'run.planned', round: 2, phase: 'reinstate', steps: [ref], startsAt: new Date().toISOString() });
  const caps = step.capabilities({ systems: new Map([[step.system.id, sut.connected]]) }, scope);
  const history = runView(await audit.read(requestId)).steps.filter((s) => s.id === id);
  const ctx = await contextOf(sut, scope);
  await actOnStep(restoring(caps.restore!, snapshotsOf(history)), { ...ctx, stepId: id, transactionId: `${ctx.transactionId}-r2-a1` }, undefined, audit);
}

const trailOf = (module: string, name: string) => new AuditTrail(redis, new Keys(`conformance-${module}-${name}-${Date.now()}-${Math.random()}`));

describe('every registered system conforms', () => {
  for (const { candidate, module, steps } of REGISTERED) {
    describe(module.title, () => {
      it('what was disabled before the offboarding stays disabled after Reinstate', async () => {
        const sut = await start(candidate, { alreadyDisabled: true });
        const before = sut.disabledBefore;
        if (!before) throw new Error(`the ${module.title} kit cannot disable anything beforehand`);
        expect(sut.isDisabled(before)).toBe(true);
        for (const { job: step } of steps.filter((s) => s.phases.includes('reinstate'))) {
          const audit = trailOf(module.id, `${step.step}-before`);
          const { requestId } = await execute(sut, step, audit, 1);
          await reinstate(sut, step, audit, requestId);
        }
        expect(sut.isDisabled(before)).toBe(true);
      });

      it('every identity match is exact: people near the person are never found, their own record in other letter case is', async () => {
        const sut = await start(candidate, { nearMisses: true });
        const found = (await identifyEverywhere(sut.connected, sut.person, [])).map((i) => i.id);

        expect(found.length, `${module.title} finds the seeded person`).toBeGreaterThan(0);
        expect(sut.nearMisses?.length, `the ${module.title} kit seeds people near the person`).toBeGreaterThan(0);
        expect(found.filter((id) => sut.nearMisses!.includes(id))).toEqual([]);
        if (sut.otherCase) expect(found).toContain(sut.otherCase);
      });

      it('the identification follows every page', async () => {
        const whole = await start(candidate);
        const paged = await start(candidate, { smallPages: true });
        const idsOf = async (sut: SystemUnderTest) => (await identifyEverywhere(sut.connected, sut.person, [])).map((i) => `${i.scope}/${i.id}`).sort();

        const expected = await idsOf(whole);
        expect(expected.length).toBeGreaterThan(0);
        expect(await idsOf(paged)).toEqual(expected);
      });

      for (const { job: step, phases } of steps) {
        it(`${step.title}: the inventory follows every page`, async () => {
          const whole = await start(candidate);
          const paged = await start(candidate, { smallPages: true });
          const scope = whole.connected.settings.scopes[0]!;
          const foundIn = async (sut: SystemUnderTest) =>
            (await step.capabilities({ systems: new Map([[module.id, sut.connected]]) }, scope).inventory(await contextOf(sut, scope))).found
              .map(itemKey)
              .sort();

          const expected = await foundIn(whole);
          expect(expected.length, `the seeded person holds something ${step.title} lists`).toBeGreaterThan(0);
          expect(await foundIn(paged)).toEqual(expected);
        });

        it(`${step.title}: a 429 with Retry-After is retried after that wait, a 5xx is retried, a 403 fails for good`, async () => {
          const sut = await start(candidate);
          const scope = sut.connected.settings.scopes[0]!;
          const ctx = await contextOf(sut, scope);
          const caps = step.capabilities({ systems: new Map([[module.id, sut.connected]]) }, scope);
          // Each look asks the system itself: a listing the identification read moments ago would answer without a call.
          const look = () => readingFresh(() => caps.inventory(ctx));

          sut.fail(503);
          expect(await rejection(look())).toBeInstanceOf(RetryableError);
          sut.fail(500);
          expect(await rejection(look())).toBeInstanceOf(RetryableError);

          sut.fail(403);
          const refused = await rejection(look());
          expect(refused).toBeInstanceOf(PermanentError);
          expect(refused).not.toBeInstanceOf(RetryableError);

          // With the system answering again, the same step answers: none of the failures was the step's own doing.
          sut.heal();
          await expect(caps.inventory(ctx)).resolves.toBeDefined();

          sut.fail(429, 7);
          const limited = await rejection(look());
          expect(limited).toBeInstanceOf(RetryableError);
          expect((limited as RetryableError).retryAfterMs).toBe(7_000);
          // Answering again, the system is asked again at once, or (a connector that keeps the pause for
          // every call in that scope) the step is told to come back within the wait asked, never failed.
          sut.heal();
          const again = await look().catch((err: unknown) => err);
          if (again instanceof Error) {
            expect(again).toBeInstanceOf(RateLimitedError);
            expect((again as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
            expect((again as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(7_000);
          } else expect(again).toBeDefined();
        });

        if (!step.reportsResidual && !step.recordsOnly && !step.attestItems)
          it(`${step.title}: a worker that dies between a change and its record runs again and changes nothing twice`, async () => {
            // The same step, undisturbed, on a system seeded alike: what one clean execution changes.
            const clean = await start(candidate);
            const cleanAudit = trailOf(module.id, 'clean');
            await execute(clean, step, cleanAudit, 1);
            const cleanChanges = clean.mutations();
            expect(cleanChanges, `the seeded person holds something ${step.title} changes`).toBeGreaterThan(0);

            const sut = await start(candidate);
            const audit = trailOf(module.id, 'crash');
            const dies = (s: PhaseStep): PhaseStep => ({
              ...s,
              // The first change is made in the system; the worker dies before it is recorded.
              act: (ctx, found) => {
                const changes = s.act(ctx, found)[Symbol.asyncIterator]();
                const next = async (): Promise<IteratorResult<Change>> => {
                  await changes.next();
                  await changes.return?.();
                  throw new Error('the worker died');
                };
                return { [Symbol.asyncIterator]: () => ({ next }) };
              },
            });
            expect(String(await rejection(execute(sut, step, audit, 1, dies)))).toContain('the worker died');
            expect(sut.mutations()).toBeGreaterThan(0);

            const { requestId } = await execute(sut, step, audit, 2);
            await execute(sut, step, audit, 3);

            // Every change made once, whatever the crash: the system saw what a clean run makes.
            expect(sut.mutations()).toBe(cleanChanges);
            const changesOf = async (trail: AuditTrail) =>
              (await trail.read(requestId)).flatMap((e) => (e.type === 'step.acted' ? e.changes.filter(settles) : []));
            const recorded = await changesOf(audit);
            expect(recorded.length).toBeGreaterThan(0);
            expect(new Set(recorded.map(itemKey)).size, 'each item is recorded once').toBe(recorded.length);
            // And the evidence says what a clean run says: the change the dead worker made is the bot's, not "already absent".
            const outcomes = (changes: typeof recorded) => changes.map((c) => `${itemKey(c)} ${c.outcome}`).sort();
            expect(outcomes(recorded)).toEqual(outcomes(await changesOf(cleanAudit)));
          });

        if (!step.reportsResidual && !step.recordsOnly && !step.attestItems)
          it(`${step.title}: a step that cannot look in its scope changes nothing, not even what it listed, and says why`, async () => {
            const sut = await start(candidate);
            const audit = trailOf(module.id, 'unchecked');
            const why = 'the system does not answer for this scope';
            let listed = 0;
            const blind = (s: PhaseStep): PhaseStep => ({
              ...s,
              inventory: async (ctx) => {
                const inventory = await s.inventory(ctx);
                listed = inventory.found.length;
                return { ...inventory, unchecked: why };
              },
            });
            const { requestId, acted } = await execute(sut, step, audit, 1, blind);

            expect(listed, `the seeded person holds something ${step.title} changes`).toBeGreaterThan(0);
            expect(acted).toEqual({ unchecked: why, changed: false });
            expect(sut.mutations()).toBe(0);
            const trail = await audit.read(requestId);
            expect(trail.filter((e) => e.type === 'step.acting' || e.type === 'step.acted' || e.type === 'step.verified')).toEqual([]);
            expect(trail.find((e) => e.type === 'step.inventoried')).toMatchObject({ unchecked: why });
          });

        if (!step.reportsResidual && !step.recordsOnly && !step.attestItems)
          it(`${step.title}: what is already removed is answered as already absent, and nothing is changed`, async ({ skip }) => {
            const sut = await start(candidate);
            const scope = sut.connected.settings.scopes[0]!;
            const ctx = await contextOf(sut, scope);
            const caps = step.capabilities({ systems: new Map([[module.id, sut.connected]]) }, scope);
            const action = (caps.delete ?? caps.disable)!;
            const { found } = await caps.inventory(ctx);
            const first: Change[] = [];
            for await (const change of action.act(ctx, found)) first.push(change);
            // A step whose final removal only disables (Slack never deletes an account) removes nothing.
            if (!first.some((c) => c.outcome === 'removed')) skip();
            const before = sut.mutations();

            // Someone else (or an earlier round) got there first: the same items are acted on again.
            const again: Change[] = [];
            for await (const change of action.act({ ...ctx, transactionId: `${ctx.transactionId}-again` }, found)) again.push(change);

            expect(again.map((c) => c.outcome)).toEqual(found.map(() => 'already_absent'));
            expect(sut.mutations()).toBe(before);
          });

        if (phases.includes('reinstate'))
          it(`${step.title}: a reinstatement run twice restores once`, async () => {
            const sut = await start(candidate);
            const audit = trailOf(module.id, 'restore');
            const { requestId } = await execute(sut, step, audit, 1);
            const scope = sut.connected.settings.scopes[0]!;
            const ref = step.ref(scope);
            const id = stepId(ref);
            await audit.append(requestId, { type: 'run.planned', round: 2, phase: 'reinstate', steps: [ref], startsAt: new Date().toISOString() });
            const caps = step.capabilities({ systems: new Map([[module.id, sut.connected]]) }, scope);
            const restore = async (attempt: number) => {
              const history = runView(await audit.read(requestId)).steps.filter((s) => s.id === id);
              const earlier = history.find((s) => s.phase === 'reinstate');
              const ctx = await contextOf(sut, scope);
              await actOnStep(
                restoring(caps.restore!, snapshotsOf(history)),
                { ...ctx, stepId: id, transactionId: `${ctx.transactionId}-r2-a${attempt}` },
                earlier,
                audit,
              );
            };
            const beforeRestore = sut.mutations();
            await restore(1);
            const restoredOnce = sut.mutations();
            expect(restoredOnce).toBeGreaterThan(beforeRestore);

            await restore(2);

            expect(sut.mutations()).toBe(restoredOnce);
            const restored = (await audit.read(requestId)).flatMap((e) =>
              e.type === 'step.acted' ? e.changes.filter((c) => c.outcome === 'restored').map(itemKey) : [],
            );
            expect(restored.length).toBeGreaterThan(0);
            expect(new Set(restored).size, 'each item is restored once').toBe(restored.length);
          });

        if (phases.includes('reinstate'))
          it(`${step.title}: a restoration whose read-back never confirms is never green`, async () => {
            const sut = await start(candidate);
            const audit = trailOf(module.id, 'restore-unconfirmed');
            const { requestId } = await execute(sut, step, audit, 1);
            const scope = sut.connected.settings.scopes[0]!;
            const id = stepId(step.ref(scope));
            const caps = step.capabilities({ systems: new Map([[module.id, sut.connected]]) }, scope);
            const snapshots = snapshotsOf(runView(await audit.read(requestId)).steps.filter((s) => s.id === id));
            expect(snapshots.length, `${step.title} disabled something to restore`).toBeGreaterThan(0);
            // Nothing is restored, so the system keeps showing everything disabled.
            const ctx = await contextOf(sut, scope);
            const readBackTrail = trailOf(module.id, 'restore-read-back');
            const state = { startedAt: Date.now(), checks: 0, pauseMs: 0 };

            const outcome = await rejection(
              readBackOnce(restoring(caps.restore!, snapshots), { ...ctx, stepId: id }, state, { timeoutMs: 0, intervalMs: 1 }, readBackTrail, 'once'),
            );

            expect(outcome).toBeInstanceOf(NotConfirmedError);
            expect((await readBackTrail.read(ctx.requestId)).filter((e) => e.type === 'step.verified')).toEqual([]);
          });

        // A step that only reports (what it cannot remove, or what it keeps) has nothing to read back.
        if (!step.reportsResidual && !step.recordsOnly && !step.attestItems)
          it(`${step.title}: a read-back that never confirms is never green`, async () => {
            const sut = await start(candidate);
            const scope = sut.connected.settings.scopes[0]!;
            const ctx = await contextOf(sut, scope);
            const caps = step.capabilities({ systems: new Map([[module.id, sut.connected]]) }, scope);
            const action = caps.disable ?? caps.delete;
            if (!action) throw new Error(`${step.title} can neither disable nor delete`);
            // Nothing is changed, so the system keeps showing what the person holds.
            const { found } = await caps.inventory(ctx);
            expect(found.length, `the seeded person holds something ${step.title} removes`).toBeGreaterThan(0);
            const audit = new AuditTrail(redis, new Keys(`conformance-${module.id}-${step.step}-${Date.now()}`));
            const stepId = step.ref(scope).step;
            const state = { startedAt: Date.now(), checks: 0, pauseMs: 0 };

            const outcome = await rejection(
              readBackOnce({ ...action, inventory: caps.inventory }, { ...ctx, stepId }, state, { timeoutMs: 0, intervalMs: 1 }, audit, 'once'),
            );

            expect(outcome).toBeInstanceOf(NotConfirmedError);
            expect((await audit.read(ctx.requestId)).filter((e) => e.type === 'step.verified')).toEqual([]);
          });
      }
    });
  }
});
