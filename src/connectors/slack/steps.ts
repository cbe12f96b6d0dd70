import type { SystemStep } from '../system.js';
import { slackAccountStep } from './account-step.js';
import type { SlackScimClient } from './scim-client.js';

/** The person's own account: deactivated, and reactivated on reinstatement. */
export const slackSteps: readonly SystemStep<SlackScimClient>[] = [
  { step: 'account', title: 'Slack account', endsIdentity: true, connect: (client) => slackAccountStep(client) },
];
