import type { SystemModule } from '../src/connectors/system.js';
import { stepJobsOf, type StepJob } from '../src/runs/step-job.js';

export { processDeliverBatchSummary, processDeliverEvidence, processRotationPack } from './deliver-evidence.js';
export { processFinishRun } from './finish-run.js';
export { processIdentify } from './identify.js';
export { processPreview } from './preview-inventory.js';
export { processRescan } from './rescan.js';
export { processReviewReminder, processStartDeletion } from './start-deletion.js';
export { processSlackOutput } from './slack-output.js';
export { SYSTEMS } from './systems.js';

/**
 * Every step processor of `modules` (every system the configuration knows, `config.modules`: a
 * job of one switched off here fails, saying so), by BullMQ job name.
 */
export const stepJobsByName = (modules: readonly SystemModule<unknown>[]): ReadonlyMap<string, StepJob> =>
  new Map(modules.flatMap(stepJobsOf).map((j) => [j.name, j]));
