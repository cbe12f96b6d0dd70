import { RetryableError } from '../connectors/step-errors.js';
import { deleteRotatedCredentials } from './bot-rotation.js';
import { type StepRef, stepId } from '../connectors/step-ref.js';
import { remindOfReviews } from './review-reminders.js';
import { planSteps } from './run-flow.js';
import type { OffboardRequest } from '../requests/request.js';
import { isOpenTask, rotationTasks } from './handed-over.js';
import type { RunDeps } from './run-deps.js';
import { currentPhaseSteps, isFailed, roundOf, runView, statusAfter, uncheckedSteps, type RunView, type StepProgress } from './run-view.js';
import { escapeText } from '../slack/blocks/block-kit.js';

const DAY_MS = 24 * 3600 * 1000;

/** What finishing a round uses: the request and its trail, the schedules it sets, its evidence, Slack output and the exposure metric. */
export type FinishRunDeps = Pick<RunDeps, 'store' | 'audit' | 'outbox' | 'evidence' | 'deletions' | 'rescans' | 'rotations' | 'metrics' | 'systems' | 'plan'>;

/**
 * Closes a round once every step in it has verified or failed for good: records the outcome of
 * the round's phase, moves the request on (a disable waits for its deletion, scheduled here; a
 * deletion completes it; a reinstatement ends it reinstated), stores the evidence report, queues it
 * for compliance by direct message, and tells the requester. Each part is skipped when already done, so a retried finish changes
 * nothing twice.
 */
export async function finishRun(requestId: string, deps: FinishRunDeps): Promise<void> {
  const view = runView(await deps.audit.read(requestId));
  const { round, phase, finished } = view.current;
  const steps = currentPhaseSteps(view);
  const failedSteps = steps.filter(isFailed).map((s) => s.id);
  const residualSteps = steps.filter((s) => s.state === 'residual').map((s) => s.id);
  const notChecked = uncheckedSteps(view).map((s) => s.id);
  const request = await deps.store.mustGet(requestId);
  if (!finished) {
    // A step that never said how it ended (its job was removed, or died before it could record)
    // is the reconciler's to record, with the reason: the round waits for that, never closes without.
    const silent = silentSteps(view, round);
    if (silent.length) throw new RetryableError(`round ${round} waits for the reconciler to account for ${silent.join(', ')}: never reported how they ended`);
    // The credentials the bot rotated and disabled go with the deletion, read back, before the round is said finished.
    if (phase === 'delete') await deleteRotatedCredentials(requestId, view, deps);
    const attested = steps.some((s) => s.state === 'attested');
    // A step that could not look vouches for nothing: the round is never "verified" with one.
    const outcome = failedSteps.length ? 'failures' : residualSteps.length ? 'residual' : notChecked.length ? 'unchecked' : attested ? 'attested' : 'verified';
    // Stated once even when two executions of this job overlap (one lost its lock while Redis was away).
    const stated = await deps.audit.appendOnce(requestId, `r${round}:run.finished`, {
      type: 'run.finished',
      round,
      outcome,
      failedSteps,
      ...(residualSteps.length ? { residualSteps } : {}),
      ...(notChecked.length ? { uncheckedSteps: notChecked } : {}),
    });
    if (stated) observeExposure(request, view.steps, deps);
  }
  const next = statusAfter(phase, request);
  if (next === 'disabled') {
    const at = deletionTime(request, view)!;
    // The deletion's steps that wait for a person's review: the checklist offers each during the grace period.
    // Not where the step that looks as the review does could not look this round: nothing can be reviewed there.
    const couldNotLook = (ref: StepRef) =>
      ref.review?.sameLookAs !== undefined && steps.some((s) => s.id === stepId({ ...ref, step: ref.review!.sameLookAs! }) && s.state === 'unchecked');
    const reviews = planSteps(deps.plan, { phase: 'delete', keepPerson: request.reason === 'role_change' }).filter((ref) => ref.review && !couldNotLook(ref));
    if (!view.deletions.length)
      await deps.audit.appendOnce(requestId, 'deletion.scheduled', {
        type: 'deletion.scheduled',
        deleteAt: at.toISOString(),
        ...(reviews.length ? { reviews } : {}),
      });
    // Scheduled before the status says so: the reconciler re-creates it for a disabled request anyway.
    await deps.deletions.schedule(requestId, at, Date.now(), { reviews: reviews.length > 0 });
    await remindOfReviews(requestId, 'round-end', deps);
  }
  // Scheduled (idempotently) before the status moves on: this job re-runs until it has.
  if ((phase === 'disable' && next === 'disabled') || phase === 'delete') await deps.rescans.schedule(requestId, phase);
  if (phase === 'reinstate') await deps.rescans.cancel(requestId, 'disable');
  // The evidence pack is stored before the request moves on: a failed upload fails this job, BullMQ
  // retries it, and meanwhile the checklist offers "Generate report" (a run is never done without its pack).
  await deps.evidence.publish(requestId, round).catch(async (err: unknown) => {
    await deps.outbox.refreshChecklist(requestId);
    throw err;
  });
  await deps.evidence.sendToCompliance(requestId, round);
  // The successor hears what is theirs now once access has ended (the job id makes it once a request).
  if (phase !== 'reinstate' && request.createdItems === 'hand_over' && request.successorSlackUserId) await deps.outbox.handOver(requestId);
  // Open rotation tasks remind the successor until closed (armed once a request: fixed job ids).
  if (phase !== 'reinstate' && rotationTasks(view).some(isOpenTask)) await deps.rotations.arm(requestId);
  await deps.store.patch(requestId, { status: next }, ['approved']);
  // After the status moved on: whichever of a bulk request's runs ends last sees every one at rest.
  await deps.evidence.sendBatchSummaryToCompliance(request);
  await deps.outbox.refreshChecklist(requestId);
  const attestedSteps = steps.filter((s) => s.state === 'attested').length;
  const outcome = failedSteps.length
    ? `finished with ${failedSteps.length} failed step(s); IT can retry them from the checklist`
    : notChecked.length
      ? `${{ disable: 'has removed their access', delete: 'is done', reinstate: 'has restored their access' }[phase]}, except where ${notChecked.length} step(s) could not look (named in the checklist, with why): nothing there was checked`
      : attestedSteps
        ? `${{ disable: 'has removed their access', delete: 'is done', reinstate: 'has restored their access' }[phase]}: every step was verified by reading the systems back, or attested by a named person (${attestedSteps} task(s), named in the checklist)`
        : {
            disable: 'has removed their access, verified by reading the systems back',
            delete: 'is done: every step was verified by reading the systems back',
            reinstate: 'has restored their access, verified by reading the systems back',
          }[phase];
  await deps.outbox.notify(
    requestId,
    `finished-r${round}`,
    request.requester.slackUserId,
    `The ${phase === 'reinstate' ? 'reinstatement' : 'offboarding'} of ${escapeText(request.subject.name)} (*${requestId}*) ${outcome}.`,
  );
}

/** The round's planned steps with no verified, failed or residual entry since it was planned. */
function silentSteps(view: RunView, round: number): string[] {
  const planned = roundOf(view, round);
  return (planned?.steps ?? []).map(stepId).filter((id) => !planned?.ended.has(id));
}

/** The end of the grace period: the grace days after access ended (the effective time, else the approval). */
export function deletionTime(request: OffboardRequest, view: RunView): Date | undefined {
  if (request.disposition.kind !== 'disable_then_delete') return undefined;
  const scheduled = view.deletions[0];
  if (scheduled) return new Date(scheduled.deleteAt);
  const from = request.effectiveAt ?? request.decision?.at ?? request.createdAt;
  return new Date(Date.parse(from) + request.disposition.graceDays * DAY_MS);
}

/** Approval to the last step of each fully verified system: how long access outlived the decision. */
function observeExposure(request: OffboardRequest, steps: StepProgress[], deps: Pick<RunDeps, 'metrics'>): void {
  const approvedAt = request.decision?.outcome === 'approved' ? Date.parse(request.decision.at) : undefined;
  if (approvedAt === undefined) return;
  for (const system of new Set(steps.map((s) => s.ref.system))) {
    const mine = steps.filter((s) => s.ref.system === system);
    if (!mine.every((s) => s.state === 'verified' && s.verification)) continue;
    const last = Math.max(...mine.map((s) => Date.parse(s.verification!.firstConfirmedAt)));
    deps.metrics.approvalToVerified.observe({ system }, Math.max(0, last - approvedAt) / 1000);
  }
}
