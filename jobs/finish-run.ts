import type { Job } from 'bullmq';
import { requestJobDataSchema } from '../src/queue/queue-names.js';
import { finishRun, type FinishRunDeps } from '../src/runs/finish-run.js';

/** The parent of a run: starts once every step has verified or failed for good. */
export async function processFinishRun(job: Job, deps: FinishRunDeps): Promise<void> {
  await finishRun(requestJobDataSchema.parse(job.data).requestId, deps);
}
