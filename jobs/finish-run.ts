import type { Job } from 'bullmq';
import { requestJobDataSchema } from '../src/queue/queue-names.js';
import { finishRun } from '../src/runs/finish-run.js';
import type { RunDeps } from '../src/runs/run-deps.js';

/** The parent of a run: starts once every step has verified or failed for good. */
export async function processFinishRun(job: Job, deps: RunDeps): Promise<void> {
  await finishRun(requestJobDataSchema.parse(job.data).requestId, deps);
}
