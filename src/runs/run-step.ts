import type { AuditTrail } from '../audit/audit-trail.js';
import type { StepProgress } from '../checklist/step-progress.js';
import { itemKey, type Change, type StepAction, type StepCapabilities, type StepContext } from '../connectors/connector.js';

/** A step's inventory with the action a phase runs. */
export type PhaseStep = StepAction & Pick<StepCapabilities, 'inventory'>;
import { NotConfirmedError } from '../connectors/step-errors.js';

export interface VerifyPolicy {
  /** Give up on the read-back after this long. */
  timeoutMs: number;
  /** The shortest pause between read-backs (the first read-back comes right after the change). */
  intervalMs: number;
}

/** Where a step's read-back stands; kept in the job's data so a delayed or re-run job resumes it. */
export interface VerifyState {
  /** When the step finished acting: what the pauses are measured against. */
  startedAt: number;
  checks: number;
  /** The pause before the next read-back. */
  pauseMs: number;
}

const MAX_PAUSE_MS = 10_000;

/**
 * Each pause is this share of the time waited so far: a change the system takes D to show is
 * confirmed about a tenth of D (plus one read-back) late at most, where doubling pauses can waste
 * up to D; and the pauses still grow, by a tenth each read-back, so a slow system is not polled
 * hard for long.
 */
const PAUSE_SHARE = 0.1;

/** The pause after a read-back made `waitedMs` after the change: a tenth of that, at least the interval, at most 10 s (or the interval, if longer). */
export function pauseAfter(waitedMs: number, policy: Pick<VerifyPolicy, 'intervalMs'>): number {
  return Math.min(Math.max(policy.intervalMs, Math.round(waitedMs * PAUSE_SHARE)), Math.max(MAX_PAUSE_MS, policy.intervalMs));
}

/**
 * Inventory and revoke, resuming whatever an earlier execution of the step began. Each change is
 * written to the trail the moment the system confirms it. An item that an earlier execution set
 * out to change, that was never recorded, and that the re-inventory no longer shows was changed
 * by that execution (its answer was lost, or the worker died): it is recorded as removed,
 * "confirmed on re-inventory", under that execution's transaction id, and never touched twice.
 */
export async function actOnStep(
  step: PhaseStep,
  ctx: StepContext & { stepId: string },
  earlier: StepProgress | undefined,
  audit: AuditTrail,
): Promise<void> {
  const { found, note } = await step.inventory(ctx);
  await audit.append(ctx.requestId, { type: 'step.inventoried', stepId: ctx.stepId, found, note });

  const recorded = new Set((earlier?.changes ?? []).map(itemKey));
  const live = new Set(found.map(itemKey));
  for (const gone of (earlier?.found ?? []).filter((f) => !recorded.has(itemKey(f)) && !live.has(itemKey(f)))) {
    const intent = earlier?.intents.findLast((i) => i.itemIds.includes(itemKey(gone)));
    const owner = gone.owner ? { owner: gone.owner } : {};
    const change: Change = intent
      ? { id: gone.id, label: gone.label, outcome: 'removed', detail: 'confirmed on re-inventory', ...owner }
      : { id: gone.id, label: gone.label, outcome: 'already_absent', detail: 'gone before it was acted on', ...owner };
    await audit.append(ctx.requestId, { type: 'step.acted', stepId: ctx.stepId, transactionId: intent?.transactionId ?? ctx.transactionId, changes: [change] });
  }

  // What is already recorded is never acted on again: IAM may still list a removed item for a while.
  const todo = found.filter((f) => !recorded.has(itemKey(f)));
  if (todo.length === 0) return;
  await audit.append(ctx.requestId, { type: 'step.acting', stepId: ctx.stepId, transactionId: ctx.transactionId, itemIds: todo.map(itemKey) });
  for await (const change of step.act(ctx, todo)) {
    await audit.append(ctx.requestId, { type: 'step.acted', stepId: ctx.stepId, transactionId: ctx.transactionId, changes: [change] });
  }
}

export type ReadBackOutcome = { kind: 'verified' } | { kind: 'wait'; next: VerifyState };

/**
 * One read-back. Confirmed: recorded as verified. Not yet: the caller hands the next pause to
 * BullMQ as a delayed job, so waiting for IAM never holds a worker slot. Past the bound: not confirmed.
 */
export async function readBackOnce(
  step: PhaseStep,
  ctx: StepContext & { stepId: string },
  state: VerifyState,
  policy: VerifyPolicy,
  audit: AuditTrail,
  now: () => number = Date.now,
): Promise<ReadBackOutcome> {
  const checks = state.checks + 1;
  const readBack = await step.readBack(ctx, []);
  const waited = now() - state.startedAt;
  if (readBack.confirmed) {
    await audit.append(ctx.requestId, {
      type: 'step.verified',
      stepId: ctx.stepId,
      checks,
      firstConfirmedAt: new Date(now()).toISOString(),
      elapsedMs: waited,
    });
    return { kind: 'verified' };
  }
  const pauseMs = pauseAfter(waited, policy);
  if (waited + pauseMs > policy.timeoutMs) {
    const still = readBack.remaining.map((f) => `${f.label} (${f.id})`).join(', ');
    throw new NotConfirmedError(`not confirmed: after ${checks} read-backs over ${Math.round(waited / 1000)} s the system still shows ${still}`);
  }
  return { kind: 'wait', next: { startedAt: state.startedAt, checks, pauseMs } };
}
