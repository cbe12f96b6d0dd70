import { trustedProfilesStep } from '../src/connectors/ibm-cloud/trusted-profiles-step.js';
import { ibmCloud } from '../src/connectors/ibm-cloud/system.js';
import { defineStepJob } from '../src/runs/step-job.js';

export const ibmTrustedProfiles = defineStepJob({
  system: ibmCloud,
  step: 'trusted-profiles',
  title: 'Trusted profile links',
  phases: ['disable', 'delete', 'reinstate'],
  connect: (client, accountId) => trustedProfilesStep(client.inAccount(accountId), accountId),
});
