import { accessGroupsStep } from '../src/connectors/ibm-cloud/access-groups-step.js';
import { ibmCloud } from '../src/connectors/ibm-cloud/system.js';
import { defineStepJob } from '../src/runs/step-job.js';

export const ibmAccessGroups = defineStepJob({
  system: ibmCloud,
  step: 'access-groups',
  title: 'Access groups',
  phases: ['disable', 'delete', 'reinstate'],
  connect: (client, accountId) => accessGroupsStep(client.inAccount(accountId), accountId),
});
