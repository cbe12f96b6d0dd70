import type { StepJob } from '../src/runs/step-job.js';
import { ibmAccessGroups } from './ibm-access-groups.js';
import { ibmAccountMembership } from './ibm-account-membership.js';
import { ibmApiKeys } from './ibm-api-keys.js';
import { ibmPolicies } from './ibm-policies.js';
import { ibmTrustedProfiles } from './ibm-trusted-profiles.js';

export { processFinishRun } from './finish-run.js';
export { processPreview } from './preview-inventory.js';
export { processSlackOutput } from './slack-output.js';
export { IBM_CLOUD_PLAN } from './plan.js';

/** Every step processor, by BullMQ job name. */
export const STEP_JOBS: ReadonlyMap<string, StepJob> = new Map(
  [ibmApiKeys, ibmAccessGroups, ibmPolicies, ibmTrustedProfiles, ibmAccountMembership].map((j) => [j.name, j]),
);
