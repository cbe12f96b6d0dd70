import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { featureSchedules } from '../src/connectors/feature-routes.js';
import type { ConfiguredSystem } from '../src/connectors/system.js';

/** A system's own jobs by their names on the shared queue, each bound to its system's client and host. */
export type FeatureJobs = ReadonlyMap<string, (job: Job, token?: string) => Promise<void>>;

/** One job of the shared queue of the systems' own work, routed by its name (`<system id>.<job>`). */
export async function processFeatureJob(job: Job, jobs: FeatureJobs, token?: string): Promise<void> {
  const run = jobs.get(job.name);
  // A system switched off since the job was queued, or a job no system declares: retrying cannot help.
  if (!run) throw new UnrecoverableError(`no processor for job "${job.name}"`);
  await run(job, token);
}

/**
 * Upserts each feature's schedule at worker start, and removes every other schedule of the shared
 * queue: one whose cron is unset now, or of a system switched off since, would otherwise keep adding
 * jobs nothing runs.
 */
export async function scheduleFeatures(queue: Queue, systems: Iterable<ConfiguredSystem>): Promise<void> {
  const wanted = featureSchedules(systems);
  for (const s of wanted) {
    await queue.upsertJobScheduler(
      s.schedulerId,
      { pattern: s.cron, tz: s.tz },
      { name: s.jobName, data: s.data, opts: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: 100 } },
    );
  }
  const keep = new Set(wanted.map((s) => s.schedulerId));
  for (const { key } of await queue.getJobSchedulers(0, -1)) if (!keep.has(key)) await queue.removeJobScheduler(key);
}
