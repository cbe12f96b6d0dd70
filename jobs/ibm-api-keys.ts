import { apiKeysStep } from '../src/connectors/ibm-cloud/api-keys-step.js';
import { defineStepJob } from '../src/runs/step-job.js';

export const ibmApiKeys = defineStepJob({
  system: 'ibm-cloud',
  step: 'api-keys',
  title: 'API keys',
  connect: (deps, accountId) => apiKeysStep(deps.ibm, accountId),
});
