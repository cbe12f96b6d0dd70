import { currentRound, stepProgress } from '../checklist/step-progress.js';
import type { RunDeps } from './run-deps.js';

/**
 * Closes a round once every step in it has verified or failed for good: records the outcome over
 * all the request's steps, publishes the evidence report and completes the request. Each part is
 * skipped when already done, so a retried finish changes nothing twice.
 */
export async function finishRun(requestId: string, deps: RunDeps): Promise<void> {
  const trail = await deps.audit.read(requestId);
  const { round, finished } = currentRound(trail);
  if (!finished) {
    const failedSteps = stepProgress(trail)
      .filter((s) => s.state !== 'verified')
      .map((s) => s.id);
    await deps.audit.append(requestId, { type: 'run.finished', round, outcome: failedSteps.length ? 'failures' : 'verified', failedSteps });
  }
  // Completed before the report is rendered, so the report states the request's final status.
  await deps.store.patch(requestId, { status: 'completed' }, ['approved']);
  await deps.evidence.publish(requestId, round);
  await deps.checklist.refresh(requestId);
}
