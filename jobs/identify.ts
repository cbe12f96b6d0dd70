import type { Job } from 'bullmq';
import { roundJobDataSchema } from '../src/queue/queue-names.js';
import { identifyRound } from '../src/runs/identify-round.js';
import type { RunDeps } from '../src/runs/run-deps.js';

/** The start of a round, at its effective time: the person's identities in every system, then the steps. */
export async function processIdentify(job: Job, deps: RunDeps): Promise<void> {
  const { requestId, round } = roundJobDataSchema.parse(job.data);
  await identifyRound(requestId, round, job.attemptsMade + 1 >= (job.opts.attempts ?? 1), deps);
}
