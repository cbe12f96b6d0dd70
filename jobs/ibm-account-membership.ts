import { accountMembershipStep } from '../src/connectors/ibm-cloud/account-membership-step.js';
import { ibmCloud } from '../src/connectors/ibm-cloud/system.js';
import { defineStepJob } from '../src/runs/step-job.js';

/** Closes the account: the person's keys, groups, policies and links there are listed and removed first, each on its own. */
export const ibmAccountMembership = defineStepJob({
  system: ibmCloud,
  step: 'account-membership',
  title: 'Account membership',
  phases: ['delete'],
  endsIdentity: true,
  closing: true,
  connect: (client, accountId) => accountMembershipStep(client.inAccount(accountId), accountId),
});
