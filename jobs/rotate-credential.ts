import type { Job } from 'bullmq';
import { rotationJobDataSchema } from '../src/queue/queue-names.js';
import { runRotationWork, type RotationWorkDeps } from '../src/runs/bot-rotation.js';

/** Rotate for me: making a handed-over credential's replacement, or retiring the old one after Switched. */
export async function processRotation(job: Job, deps: RotationWorkDeps): Promise<void> {
  await runRotationWork(rotationJobDataSchema.parse(job.data), deps, job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
}
