import { trustedProfilesStep } from '../src/connectors/ibm-cloud/trusted-profiles-step.js';
import { defineStepJob } from '../src/runs/step-job.js';

export const ibmTrustedProfiles = defineStepJob({
  system: 'ibm-cloud',
  step: 'trusted-profiles',
  title: 'Trusted profile links',
  connect: (deps, accountId) => trustedProfilesStep(deps.ibm, accountId),
});
