import { DelayedError, type Job } from 'bullmq';
import { requestJobDataSchema } from '../src/queue/queue-names.js';
import { remindOfReviews } from '../src/runs/review-reminders.js';
import { grantRound, type PhaseRoundDeps } from '../src/runs/phase-rounds.js';
import type { RunDeps } from '../src/runs/run-deps.js';

/** While another round of the request runs (a retry of its disable), the deletion waits this long and looks again. */
const WAIT_FOR_ROUND_MS = 60_000;

/**
 * The end of a grace period: the deletion round starts, unless the person was reinstated (or the
 * deletion already started early) meanwhile, which the request's status says. A round still
 * running postpones it: a deletion is never dropped for being due at a busy moment.
 */
export async function processStartDeletion(job: Job, deps: PhaseRoundDeps, token?: string): Promise<void> {
  const { requestId } = requestJobDataSchema.parse(job.data);
  const request = await deps.store.mustGet(requestId);
  const granted = await grantRound(deps, requestId, 'delete', deps.runs.stepsOf(request, 'delete'), 'schedule', ['disabled']);
  if (granted.kind === 'not_now' && granted.status === 'approved') {
    await job.moveToDelayed(Date.now() + WAIT_FOR_ROUND_MS, token);
    throw new DelayedError();
  }
}

/** A day before the deletion: the approvers are called on if a review its steps wait for is still not made, and the person still waits for it. */
export async function processReviewReminder(job: Job, deps: Pick<RunDeps, 'store' | 'audit' | 'outbox'>): Promise<void> {
  const { requestId } = requestJobDataSchema.parse(job.data);
  const request = await deps.store.mustGet(requestId);
  if (request.status !== 'disabled') return;
  await remindOfReviews(requestId, 'day-before', deps);
}
