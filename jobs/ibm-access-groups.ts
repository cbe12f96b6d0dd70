import { accessGroupsStep } from '../src/connectors/ibm-cloud/access-groups-step.js';
import { defineStepJob } from '../src/runs/step-job.js';

export const ibmAccessGroups = defineStepJob({
  system: 'ibm-cloud',
  step: 'access-groups',
  title: 'Access groups',
  connect: (deps, accountId) => accessGroupsStep(deps.ibm, accountId),
});
