import { policiesStep } from '../src/connectors/ibm-cloud/policies-step.js';
import { defineStepJob } from '../src/runs/step-job.js';

export const ibmPolicies = defineStepJob({
  system: 'ibm-cloud',
  step: 'policies',
  title: 'Direct access policies',
  connect: (deps, accountId) => policiesStep(deps.ibm, accountId),
});
