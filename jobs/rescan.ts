import type { Job } from 'bullmq';
import { rescanJobDataSchema } from '../src/queue/queue-names.js';
import { rescan, type RescanDeps } from '../src/runs/rescan.js';

/** A look for access that came back, at one of the intervals after a phase. */
export async function processRescan(job: Job, deps: RescanDeps): Promise<void> {
  const { requestId, phase, afterMs } = rescanJobDataSchema.parse(job.data);
  await rescan(requestId, phase, afterMs, deps);
}
