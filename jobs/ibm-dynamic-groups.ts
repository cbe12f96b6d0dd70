import { dynamicGroupsStep } from '../src/connectors/ibm-cloud/dynamic-groups-step.js';
import { ibmCloud } from '../src/connectors/ibm-cloud/system.js';
import { defineStepJob } from '../src/runs/step-job.js';

export const ibmDynamicGroups = defineStepJob({
  system: ibmCloud,
  step: 'dynamic-access-groups',
  title: 'Rule-based access groups',
  phases: ['disable', 'delete'],
  reportsResidual: true,
  connect: (client, accountId) => dynamicGroupsStep(client.inAccount(accountId), accountId),
});
