import { currentRound, stepProgress, type StepProgress } from '../checklist/step-progress.js';
import type { OffboardRequest } from '../requests/request.js';
import type { RunDeps } from './run-deps.js';

/**
 * Closes a round once every step in it has verified or failed for good: records the outcome over
 * all the request's steps, publishes the evidence report and completes the request. Each part is
 * skipped when already done, so a retried finish changes nothing twice.
 */
export async function finishRun(requestId: string, deps: RunDeps): Promise<void> {
  const trail = await deps.audit.read(requestId);
  const { round, finished } = currentRound(trail);
  const steps = stepProgress(trail);
  const failedSteps = steps.filter((s) => s.state !== 'verified').map((s) => s.id);
  const request = await deps.store.mustGet(requestId);
  if (!finished) {
    await deps.audit.append(requestId, { type: 'run.finished', round, outcome: failedSteps.length ? 'failures' : 'verified', failedSteps });
    observeExposure(request, steps, deps);
  }
  // Completed before the report is rendered, so the report states the request's final status.
  await deps.store.patch(requestId, { status: 'completed' }, ['approved']);
  await deps.evidence.publish(requestId, round);
  await deps.outbox.refreshChecklist(requestId);
  const outcome = failedSteps.length
    ? `finished with ${failedSteps.length} failed step(s); IT can retry them from the checklist`
    : 'is done: every step was verified by reading the systems back';
  await deps.outbox.notify(requestId, `finished-r${round}`, request.requester.slackUserId, `The offboarding of ${request.subject.name} (*${requestId}*) ${outcome}.`);
}

/** Approval to the last step of each fully verified system: how long access outlived the decision. */
function observeExposure(request: OffboardRequest, steps: StepProgress[], deps: RunDeps): void {
  const approvedAt = request.decision?.outcome === 'approved' ? Date.parse(request.decision.at) : undefined;
  if (approvedAt === undefined) return;
  for (const system of new Set(steps.map((s) => s.ref.system))) {
    const mine = steps.filter((s) => s.ref.system === system);
    if (!mine.every((s) => s.state === 'verified' && s.verification)) continue;
    const last = Math.max(...mine.map((s) => Date.parse(s.verification!.firstConfirmedAt)));
    deps.metrics.approvalToVerified.observe({ system }, Math.max(0, last - approvedAt) / 1000);
  }
}

