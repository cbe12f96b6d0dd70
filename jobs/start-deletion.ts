import type { Job } from 'bullmq';
import { requestJobDataSchema } from '../src/queue/queue-names.js';
import { grantRound } from '../src/runs/phase-rounds.js';
import type { RunDeps } from '../src/runs/run-deps.js';

/**
 * The end of a grace period: the deletion round starts, unless the person was reinstated (or the
 * deletion already started early) meanwhile, which the request's status says.
 */
export async function processStartDeletion(job: Job, deps: RunDeps): Promise<void> {
  const { requestId } = requestJobDataSchema.parse(job.data);
  const request = await deps.store.mustGet(requestId);
  await grantRound(deps, requestId, 'delete', deps.runs.stepsOf(request, 'delete'), 'schedule', ['disabled']);
}
