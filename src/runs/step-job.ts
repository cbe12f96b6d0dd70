import { featureActionId } from '../connectors/system-feature.js';
import { createHash } from 'node:crypto';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Phase } from '../audit/audit-event.js';
import { itemKey, type Change, type Finding, type Inventory, type RestoreAction, type StepCapabilities, type StepContext } from '../connectors/connector.js';
import { stepId, type StepRef } from '../connectors/step-ref.js';
import { PermanentError, RateLimitedError, RetryableError } from '../connectors/step-errors.js';
import type { SystemModule, SystemStep } from '../connectors/system.js';
import { stepJobDataSchema, type StepJobData } from '../queue/queue-names.js';
import type { OffboardRequest } from '../requests/request.js';
import { accountForStep, stepFactKey } from './account-for-step.js';
import type { RunDeps } from './run-deps.js';
import { retryDelay } from './retry-delay.js';
import { processTask } from './task-step.js';
import { processItemTasks } from './item-tasks-step.js';
import { endByListing } from './step-ends.js';
import { observingListings, readAtOf } from '../connectors/read-fresh.js';
import { actOnStep, firstReadBackAfter, readBackOnce, unseenBy, verifiedByListing, type PhaseStep } from './run-step.js';
import { roundOf, runView, type RunView, type StepProgress } from './run-view.js';

/** What a step's processor uses: the request and its trail, the checklist refresh, the systems' clients, and how to read back and retry. */
export type StepJobDeps = Pick<RunDeps, 'store' | 'audit' | 'outbox' | 'systems' | 'verify' | 'retry' | 'tasks'>;

/** What recording a step's end uses. */
type RecordDeps = Pick<RunDeps, 'audit' | 'outbox'>;

export interface StepJob {
  system: SystemModule<unknown>;
  step: string;
  title: string;
  closing: boolean;
  endsIdentity: boolean;
  createdByPerson: boolean;
  reportsResidual: boolean;
  recordsOnly: boolean;
  /** A task done outside the bot, attested by a person: its job waits for that (src/runs/task-step.ts). */
  task?: SystemStep<unknown>['task'];
  /** Each item it finds is a task attested by a person (src/runs/item-tasks-step.ts). */
  attestItems?: SystemStep<unknown>['attestItems'];
  /** The BullMQ job name: "<system id>.<step>". */
  name: string;
  ref(scope: string): StepRef;
  /** The step's capabilities with the client of a connected system. */
  capabilities(deps: Pick<RunDeps, 'systems'>, scope: string): StepCapabilities;
  process(job: Job, deps: StepJobDeps, token?: string): Promise<void>;
  /**
   * Records the step as failed for good (its workers kept dying: BullMQ failed it without our code
   * running), having first accounted for everything its executions set out to change.
   */
  failForGood(job: Job, deps: StepJobDeps, error: (executions: number) => string): Promise<void>;
}

/**
 * How many times, in a round, a read-back's finding something no look listed sends the step to look
 * again: something that keeps coming back is someone else's doing, and ends "not confirmed".
 */
const MAX_RELOOKS = 2;

/** The step jobs of a system, in the order its module lists its steps. */
export const stepJobsOf = <C>(system: SystemModule<C>): StepJob[] => system.steps.map((step) => defineStepJob(system, step));

/**
 * Wraps a connector step as a BullMQ processor, in two phases kept in the job's data: act
 * (inventory and revoke, resuming what an earlier execution began), then read back, one
 * read-back per execution with the pauses between them spent as a delayed job, not in a worker
 * slot. This is the one place where failures are recorded and turned into BullMQ outcomes: a
 * RetryableError is retried with capped backoff (the delay rides on the thrown error so the
 * trail states exactly what BullMQ will do); anything permanent, or the last attempt, fails the
 * step for good.
 */
export function defineStepJob<C>(system: SystemModule<C>, spec: SystemStep<C>): StepJob {
  const capabilities = (deps: Pick<RunDeps, 'systems'>, scope: string) => {
    const connected = deps.systems.get(system.id);
    if (!connected) throw new PermanentError(`${system.title} is switched off in this worker's configuration (${system.switchedOnBy} is not set)`);
    return spec.connect(connected.client as C, scope);
  };
  return {
    system: system as SystemModule<unknown>,
    step: spec.step,
    title: spec.title,
    closing: spec.closing ?? false,
    endsIdentity: spec.endsIdentity ?? false,
    createdByPerson: spec.createdByPerson ?? false,
    reportsResidual: spec.reportsResidual ?? false,
    recordsOnly: spec.recordsOnly ?? false,
    ...(spec.task ? { task: spec.task } : {}),
    ...(spec.attestItems ? { attestItems: spec.attestItems } : {}),
    name: `${system.id}.${spec.step}`,
    ref: (scope) => ({
      system: system.id,
      scope,
      step: spec.step,
      title: spec.title,
      systemTitle: system.title,
      scopeNoun: system.scopeNoun,
      ...(spec.review
        ? {
            review: {
              actionId: featureActionId(system.id, spec.review.feature, spec.review.button),
              label: spec.review.label,
              ...(spec.review.sameLookAs ? { sameLookAs: spec.review.sameLookAs } : {}),
            },
          }
        : {}),
    }),
    capabilities,
    async process(job, deps, token) {
      const { paused, ...data } = stepJobDataSchema.parse(job.data);
      const id = stepId(data);
      const { requestId } = data;
      const [request, trail] = await Promise.all([deps.store.mustGet(requestId), deps.audit.read(requestId)]);
      const view = runView(trail);
      const { round, phase } = view.current;
      const progress = view.steps;
      const executions = executionsInRound(view, id);
      // An execution sent back to wait goes on as itself: it spent no retry and keeps its transaction id.
      const resumed = paused !== undefined && !data.verify && paused === executions;
      const execution = resumed ? executions : executions + (data.verify ? 0 : 1);
      const ctx = stepContext(request, view, data, round, execution);
      const once = stepFactKey(round, id);
      // Ended in this round already (the job ran again after it recorded how): nothing to do or say again.
      if (endedInRound(view, id)) {
        await deps.outbox.refreshChecklist(requestId, { progress: true });
        return;
      }
      if (spec.task) return await processTask(job, token, deps, { view, stepId: id, round, once, task: spec.task });
      // Taken up once: should this execution die, the next is an execution of its own.
      if (paused !== undefined) await job.updateData(data);
      const started = () => (resumed ? undefined : deps.audit.append(requestId, { type: 'step.started', stepId: id, attempt: execution }));
      let ended = false;
      try {
        if (spec.attestItems) {
          const { instructions } = spec.attestItems;
          await processItemTasks(job, token, deps, { ctx, round, once, execution, resumed, instructions, capabilities: capabilities(deps, data.scope) });
          ended = true;
          return;
        }
        if (spec.reportsResidual) {
          await started();
          await reportResidual(capabilities(deps, data.scope), ctx, deps, once);
          ended = true;
          return;
        }
        if (spec.recordsOnly) {
          await started();
          await recordKept(capabilities(deps, data.scope), ctx, deps, once);
          ended = true;
          return;
        }
        const refused = ctx.identities.find((i) => i.scope === data.scope && i.refusal);
        if (refused && phase !== 'reinstate') throw new PermanentError(refused.refusal!);
        const step = action(
          capabilities(deps, data.scope),
          phase,
          spec.step,
          progress.filter((p) => p.id === id),
        );
        let verify = data.verify;
        if (!verify) {
          await started();
          await deps.outbox.refreshChecklist(requestId, { progress: true });
          const acted = await actOnStep(
            step,
            ctx,
            progress.find((p) => p.id === id && p.phase === phase),
            deps.audit,
            (data.relooks ?? 0) > 0,
          );
          if (acted.unchecked !== undefined) {
            // What an earlier execution set out to change and never saw answered cannot be looked at now: outcome unknown.
            const now = runView(await deps.audit.read(requestId)).steps.find((p) => p.id === id && p.phase === phase);
            await accountForStep(requestId, id, now, deps.audit, once, undefined, `the step could not look again: ${acted.unchecked}`);
            await recordUnchecked(ctx, deps, once, acted.unchecked);
            ended = true;
            return;
          }
          // Changed nothing and listed nothing: that listing is the read-back, while it is one that
          // could answer anyone now (not too old, not begun before the bot's own change of what it lists).
          const listedAt = verifiedByListing(acted, phase);
          if (listedAt !== undefined) {
            await endByListing(deps, ctx, once, { listedAt });
            ended = true;
            return;
          }
          // The first read-back waits about as long as the system takes to show a change, as a delayed job.
          const firstAfter = firstReadBackAfter(system.id, acted.changed, deps.verify);
          verify = {
            startedAt: Date.now(),
            checks: 0,
            pauseMs: firstAfter || deps.verify.intervalMs,
            ...(acted.changed ? { learns: system.id } : {}),
            ...(firstAfter > 0 ? { waited: true, waitedMs: firstAfter } : {}),
          };
          await job.updateData({ ...data, verify });
          if (firstAfter > 0) {
            await job.moveToDelayed(verify.startedAt + firstAfter, token);
            throw new DelayedError();
          }
        }
        // The read-backs of one change name themselves alike in every execution: one that failed part-way is taken up by the next.
        const outcome = await readBackOnce(
          step,
          { ...ctx, asker: `${requestId}:${once}:read-back@${verify.startedAt}` },
          verify,
          deps.verify,
          deps.audit,
          once,
        );
        if (outcome.kind === 'verified') {
          ended = true;
          await deps.outbox.refreshChecklist(requestId, { progress: true });
          return;
        }
        // The system shows the person something no look of this step listed: waiting would only
        // end "not confirmed". The step looks again, afresh, and acts on it (a bounded number of times).
        const relooks = data.relooks ?? 0;
        const unseen = phase === 'reinstate' || relooks >= MAX_RELOOKS ? [] : await unseenNow(deps, requestId, id, phase, progress, outcome.remaining);
        if (unseen.length > 0) {
          // Once per look again, however often a crash makes this execution run again.
          await deps.audit.appendOnce(requestId, `${once}:relook-${relooks + 1}`, { type: 'step.relooking', stepId: id, attempt: execution, shown: unseen });
          await job.updateData({ ...data, verify: undefined, relooks: relooks + 1 });
          await job.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
        await job.updateData({ ...data, verify: outcome.next });
        await job.moveToDelayed(Date.now() + outcome.next.pauseMs, token);
        throw new DelayedError();
      } catch (err) {
        // After the step ended, a failure (refreshing the checklist) is BullMQ's to retry, never a new fact about the step.
        if (err instanceof DelayedError || ended) throw err;
        if (err instanceof RateLimitedError) {
          // The request budget, or a hold IBM put on the account, said wait: that call was not made, so no attempt is spent.
          const resumeInMs = err.retryAfterMs ?? 0;
          const now = stepJobDataSchema.parse(job.data);
          if (!now.verify) {
            // Looking or acting: the trail says why it stopped, and the same execution goes on. A read-back
            // that waits is only later (its pauses are the step's verification time).
            await deps.audit.append(requestId, { type: 'step.deferred', stepId: id, attempt: execution, reason: err.message, resumeInMs });
            await job.updateData({ ...now, paused: execution });
            await deps.outbox.refreshChecklist(requestId, { progress: true });
          }
          await job.moveToDelayed(Date.now() + resumeInMs, token);
          throw new DelayedError();
        }
        const message = err instanceof Error ? err.message : String(err);
        const attempt = job.attemptsMade + 1;
        const maxAttempts = job.opts.attempts ?? 1;
        if (err instanceof PermanentError || attempt >= maxAttempts) {
          await recordFailure(deps, ctx, phase, once, execution, message, lookOf(capabilities, deps, data.scope, phase, spec.step, progress, id));
          throw new UnrecoverableError(message);
        }
        const retryInMs = retryDelay(attempt, deps.retry, err);
        await deps.audit.append(requestId, { type: 'step.retrying', stepId: id, attempt: execution, error: message, retryInMs });
        await deps.outbox.refreshChecklist(requestId, { progress: true });
        throw new RetryableError(message, retryInMs);
      }
    },
    async failForGood(job, deps, error) {
      const data = stepJobDataSchema.parse(job.data);
      const id = stepId(data);
      const [request, trail] = await Promise.all([deps.store.mustGet(data.requestId), deps.audit.read(data.requestId)]);
      const view = runView(trail);
      if (endedInRound(view, id)) return;
      const { round, phase } = view.current;
      const progress = view.steps;
      const executions = executionsInRound(view, id);
      const ctx = stepContext(request, view, data, round, executions);
      const look = lookOf(capabilities, deps, data.scope, phase, spec.step, progress, id);
      await recordFailure(deps, ctx, phase, stepFactKey(round, id), executions, error(executions), look);
    },
  };
}

/**
 * What the read-back showed that no look of the step listed: not known to the trail as the execution
 * began (`progress`), nor to the trail as it is now, read again only then (this execution may have
 * looked since; what looks list only grows).
 */
async function unseenNow(
  deps: Pick<RunDeps, 'audit'>,
  requestId: string,
  stepId: string,
  phase: Phase,
  progress: StepProgress[],
  remaining: Finding[],
): Promise<Finding[]> {
  const ofStep = (steps: StepProgress[]) => steps.find((p) => p.id === stepId && p.phase === phase);
  const candidates = unseenBy(ofStep(progress), remaining);
  if (candidates.length === 0) return [];
  return unseenBy(ofStep(runView(await deps.audit.read(requestId)).steps), candidates);
}

/** The context every execution of a step works in; `execution` numbers it within the round. */
function stepContext(request: OffboardRequest, view: RunView, data: StepJobData, round: number, execution: number): StepContext & { stepId: string } {
  const id = stepId(data);
  return {
    requestId: data.requestId,
    stepId: id,
    scope: data.scope,
    person: { requestId: data.requestId, slackUserId: request.subject.slackUserId, email: request.subject.email },
    identities: roundOf(view, round)?.identities.get(data.system) ?? [],
    // Unique per step, round and execution (a stalled re-run is an execution of its own), so
    // each call the target system logged maps to exactly one execution here; short enough to
    // print whole in the evidence and paste into the target system's own audit log search.
    transactionId: stepTransactionId(data.requestId, id, round, execution),
    asker: askerOf(view, id, data.requestId, round),
    ...createdChoiceOf(request),
    ...(roundOf(view, round) ? { phase: roundOf(view, round)!.phase } : {}),
  };
}

/** The request's choice for what the person created, as steps read it; none on requests filed before it was asked. */
export function createdChoiceOf(request: OffboardRequest): Pick<StepContext, 'created'> {
  if (!request.createdItems) return {};
  const successor = request.successorName ?? request.successorSlackUserId ?? undefined;
  return { created: { choice: request.createdItems, ...(successor ? { successor } : {}) } };
}

/** True once the step has recorded how it ended in the current round. */
const endedInRound = (view: RunView, id: string): boolean => view.rounds.at(-1)?.ended.has(id) ?? false;

/** A fresh inventory to account for a failed step with, when the step can still be reached. */
function lookOf(
  capabilities: (deps: Pick<RunDeps, 'systems'>, scope: string) => StepCapabilities,
  deps: Pick<RunDeps, 'systems'>,
  scope: string,
  phase: Phase,
  step: string,
  progress: StepProgress[],
  id: string,
): ((ctx: StepContext) => Parameters<typeof accountForStep>[5]) | undefined {
  // A restore's "inventory" is its snapshots: it cannot tell what came back.
  if (phase === 'reinstate') return undefined;
  try {
    const act = action(
      capabilities(deps, scope),
      phase,
      step,
      progress.filter((p) => p.id === id),
    );
    return (ctx) => ({
      inventory: async () => {
        const { found, unchecked } = await act.inventory(ctx);
        // A look that cannot look shows nothing gone: what was set out on stays outcome unknown.
        if (unchecked !== undefined) throw new Error(`could not look: ${unchecked}`);
        return found;
      },
      action: act,
    });
  } catch {
    return undefined;
  }
}

/** Accounts for what the step set out to change, then records it failed, each once for the round. */
async function recordFailure(
  deps: RecordDeps,
  ctx: StepContext & { stepId: string },
  phase: Phase,
  once: string,
  attempt: number,
  error: string,
  look: ((ctx: StepContext) => Parameters<typeof accountForStep>[5]) | undefined,
): Promise<void> {
  // The trail as it is now: the failing execution may have set out on items since the job read it.
  const progress = runView(await deps.audit.read(ctx.requestId)).steps.find((p) => p.id === ctx.stepId && p.phase === phase);
  // A listing of its own, never one a failed execution began before its changes.
  const { asker: _begun, ...fresh } = ctx;
  const unasked = phase === 'reinstate' ? 'the restore was not read back before the step failed' : undefined;
  await accountForStep(ctx.requestId, ctx.stepId, progress, deps.audit, once, look?.(fresh), unasked);
  await deps.audit.appendOnce(ctx.requestId, `${once}:ended`, { type: 'step.failed', stepId: ctx.stepId, attempt, error });
  await deps.outbox.refreshChecklist(ctx.requestId, { progress: true });
}

/** The step could not look in its scope: stated once for the round, with why. */
const recordUnchecked = (ctx: StepContext & { stepId: string }, deps: RecordDeps, once: string, reason: string) =>
  endByListing(deps, ctx, once, { unchecked: reason });

/** The step's inventory, with when what it saw was read (the earliest shared listing that answered it, or its start). */
async function inventoryWithTime(capabilities: StepCapabilities, ctx: StepContext): Promise<{ inventory: Inventory; listedAt: number }> {
  const looked = await observingListings(() => capabilities.inventory(ctx));
  return { inventory: looked.value, listedAt: readAtOf(looked) };
}

/** A step's inventory as recorded: what it found, why nothing, and why it could not look, each where there is one. */
const inventoried = (ctx: StepContext & { stepId: string }, { found, note, unchecked }: Inventory) =>
  ({ type: 'step.inventoried', stepId: ctx.stepId, found, note, ...(unchecked !== undefined ? { unchecked } : {}) }) as const;

/** Inventory only: what is found is residual access (amber), nothing found is verified by that inventory. */
async function reportResidual(capabilities: StepCapabilities, ctx: StepContext & { stepId: string }, deps: RecordDeps, once: string): Promise<void> {
  const { inventory, listedAt } = await inventoryWithTime(capabilities, ctx);
  const { found } = inventory;
  await deps.audit.append(ctx.requestId, inventoried(ctx, inventory));
  if (inventory.unchecked !== undefined) return recordUnchecked(ctx, deps, once, inventory.unchecked);
  if (found.length) {
    const residual = 'the bot cannot remove these: change the rule or the identity provider claims that match the person';
    await deps.audit.appendOnce(ctx.requestId, `${once}:ended`, { type: 'step.residual', stepId: ctx.stepId, items: found, note: residual });
    await deps.outbox.refreshChecklist(ctx.requestId, { progress: true });
    return;
  }
  await endByListing(deps, ctx, once, { listedAt });
}

/** Inventory only, each item recorded as kept with why (its detail), and verified by that listing (or not checked, when it could not list). */
async function recordKept(capabilities: StepCapabilities, ctx: StepContext & { stepId: string }, deps: RecordDeps, once: string): Promise<void> {
  const { inventory, listedAt } = await inventoryWithTime(capabilities, ctx);
  const { found } = inventory;
  await deps.audit.append(ctx.requestId, inventoried(ctx, inventory));
  if (inventory.unchecked !== undefined) return recordUnchecked(ctx, deps, once, inventory.unchecked);
  if (found.length) {
    const changes = found.map(
      (f): Change => ({ id: f.id, label: f.label, outcome: 'kept', detail: f.detail ?? 'left as it is', ...(f.owner ? { owner: f.owner } : {}) }),
    );
    await deps.audit.appendOnce(ctx.requestId, `${once}:kept`, { type: 'step.acted', stepId: ctx.stepId, transactionId: ctx.transactionId, changes });
  }
  await endByListing(deps, ctx, once, { listedAt });
}

/** The transaction id of one execution of a step in a round: `offboard-<request>-<step code>[-r<round>]-a<execution>`. */
export const stepTransactionId = (requestId: string, stepId: string, round: number, execution: number): string =>
  `offboard-${requestId}-${stepCode(stepId)}${round > 1 ? `-r${round}` : ''}-a${execution}`;

/** Six hex characters naming a step (system, scope and step) in transaction ids; the trail maps each back. */
export function stepCode(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 6);
}

/**
 * The step's name for a listing that failed part-way, the same for each attempt until the step
 * changes something: a listing begun before one of its own changes never serves it afterwards.
 */
export function askerOf(view: RunView, id: string, requestId: string, round: number): string {
  return `${requestId}:${id}:r${round}:c${view.changeCount.get(id) ?? 0}`;
}

/** How many executions of the step the current round has started so far. */
const executionsInRound = (view: RunView, id: string): number => view.rounds.at(-1)?.executions.get(id) ?? 0;

/**
 * What the round's phase does with the step: disable, delete (or remove again what a disable
 * would, so anything granted since goes too), or restore the snapshots its disable recorded.
 */
function action(capabilities: StepCapabilities, phase: Phase, step: string, history: StepProgress[]): PhaseStep {
  if (phase === 'reinstate') {
    if (!capabilities.restore) throw new PermanentError(`step ${step} cannot restore anything`);
    return restoring(capabilities.restore, snapshotsOf(history));
  }
  const act = phase === 'disable' ? capabilities.disable : (capabilities.delete ?? capabilities.disable);
  if (!act) throw new PermanentError(`step ${step} has nothing to do in the ${phase} phase`);
  return { inventory: capabilities.inventory, ...act };
}

/** What the step's disable phase removed or disabled, with the snapshot to restore each from. */
export function snapshotsOf(history: StepProgress[]): Change[] {
  const disabled = history.find((p) => p.phase === 'disable');
  return (disabled?.changes ?? []).filter((c) => c.snapshot && (c.outcome === 'removed' || c.outcome === 'disabled'));
}

/**
 * A restore as the step runner drives any phase: its "inventory" is the snapshots, so a re-run
 * restores only what is not recorded as restored yet, and its read-back looks for all of them.
 */
export function restoring(restore: RestoreAction, snapshots: Change[]): PhaseStep {
  return {
    inventory: async () => ({ found: snapshots.map(({ id, label, detail, owner }) => ({ id, label, detail, ...(owner ? { owner } : {}) })) }),
    act: (ctx, todo) =>
      restore.act(
        ctx,
        snapshots.filter((s) => todo.some((t) => itemKey(t) === itemKey(s))),
      ),
    readBack: (ctx) => restore.readBack(ctx, snapshots),
    // Restored items stay listed as snapshots: an earlier execution's restore is seen by a later one's read-back, not as a change.
    confirm: () => undefined,
  };
}
