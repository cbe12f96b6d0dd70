import { DelayedError, type Job } from 'bullmq';
import { RateLimitedError } from '../src/connectors/step-errors.js';
import { type IdentifyProgress, roundJobDataSchema } from '../src/queue/queue-names.js';
import { type IdentifyDeps, identifyRound } from '../src/runs/identify-round.js';
import { NotDueError } from '../src/runs/not-due-error.js';

/** The start of a round, at its effective time: the person's identities in every system, then the steps. */
export async function processIdentify(job: Job, deps: IdentifyDeps, token?: string): Promise<void> {
  const { requestId, round, learned } = roundJobDataSchema.parse(job.data);
  const memory = {
    known: learned ?? { found: {}, owners: {} },
    keep: (progress: IdentifyProgress) => job.updateData({ ...job.data, learned: progress }),
  };
  try {
    await identifyRound(requestId, round, job.attemptsMade + 1 >= (job.opts.attempts ?? 1), deps, memory);
  } catch (err) {
    if (err instanceof NotDueError) {
      // Not yet its time (a start left from before a reschedule): a delayed job until then, not a spent attempt.
      await job.moveToDelayed(err.at, token);
      throw new DelayedError();
    }
    if (!(err instanceof RateLimitedError)) throw err;
    // The request budget, or a hold IBM put on the account, said wait: a delayed job, not a spent attempt.
    await job.moveToDelayed(Date.now() + (err.retryAfterMs ?? 0), token);
    throw new DelayedError();
  }
}
