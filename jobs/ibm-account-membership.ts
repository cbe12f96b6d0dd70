import { accountMembershipStep } from '../src/connectors/ibm-cloud/account-membership-step.js';
import { defineStepJob } from '../src/runs/step-job.js';

export const ibmAccountMembership = defineStepJob({
  system: 'ibm-cloud',
  step: 'account-membership',
  title: 'Account membership',
  connect: (deps, accountId) => accountMembershipStep(deps.ibm, accountId),
});
