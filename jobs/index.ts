import { stepJobsOf, type StepJob } from '../src/runs/step-job.js';
import { SYSTEMS } from './systems.js';

export { processDeliverEvidence } from './deliver-evidence.js';
export { processFinishRun } from './finish-run.js';
export { processIdentify } from './identify.js';
export { processPreview } from './preview-inventory.js';
export { processRescan } from './rescan.js';
export { processStartDeletion } from './start-deletion.js';
export { processSlackOutput } from './slack-output.js';
export { SYSTEMS } from './systems.js';

/** Every step processor, by BullMQ job name. */
export const STEP_JOBS: ReadonlyMap<string, StepJob> = new Map(SYSTEMS.flatMap(stepJobsOf).map((j) => [j.name, j]));
