import { policiesStep } from '../src/connectors/ibm-cloud/policies-step.js';
import { ibmCloud } from '../src/connectors/ibm-cloud/system.js';
import { defineStepJob } from '../src/runs/step-job.js';

export const ibmPolicies = defineStepJob({
  system: ibmCloud,
  step: 'policies',
  title: 'Direct access policies',
  phases: ['disable', 'delete', 'reinstate'],
  connect: (client, accountId) => policiesStep(client.inAccount(accountId), accountId),
});
