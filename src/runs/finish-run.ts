import { stepProgress } from '../checklist/step-progress.js';
import type { RunDeps } from './run-deps.js';

/**
 * Closes a run once every step has verified or failed for good: records the outcome, publishes
 * the evidence report and completes the request. Each part is skipped when already done, so a
 * retried finish changes nothing twice.
 */
export async function finishRun(requestId: string, deps: RunDeps): Promise<void> {
  const trail = await deps.audit.read(requestId);
  if (!trail.some((e) => e.type === 'run.finished')) {
    const failedSteps = stepProgress(trail)
      .filter((s) => s.state !== 'verified')
      .map((s) => s.id);
    await deps.audit.append(requestId, { type: 'run.finished', outcome: failedSteps.length ? 'failures' : 'verified', failedSteps });
  }
  await deps.evidence.publish(requestId);
  await deps.store.patch(requestId, { status: 'completed' }, ['approved']);
  await deps.checklist.refresh(requestId);
}
