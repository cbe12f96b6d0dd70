import { apiKeysStep } from '../src/connectors/ibm-cloud/api-keys-step.js';
import { ibmCloud } from '../src/connectors/ibm-cloud/system.js';
import { defineStepJob } from '../src/runs/step-job.js';

export const ibmApiKeys = defineStepJob({
  system: ibmCloud,
  step: 'api-keys',
  title: 'API keys',
  phases: ['disable', 'delete', 'reinstate'],
  connect: (client, accountId) => apiKeysStep(client.inAccount(accountId), accountId),
});
