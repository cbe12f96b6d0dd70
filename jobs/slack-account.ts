import { slackAccountStep } from '../src/connectors/slack/account-step.js';
import { slackAccounts } from '../src/connectors/slack/system.js';
import { defineStepJob } from '../src/runs/step-job.js';

export const slackAccount = defineStepJob({
  system: slackAccounts,
  step: 'account',
  title: 'Slack account',
  phases: ['disable', 'delete', 'reinstate'],
  endsIdentity: true,
  connect: (client) => slackAccountStep(client),
});
