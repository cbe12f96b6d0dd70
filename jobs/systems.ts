import type { StepJob } from '../src/runs/step-job.js';
import type { SystemModule } from '../src/connectors/system.js';
import { ibmCloud } from '../src/connectors/ibm-cloud/system.js';
import { slackAccounts } from '../src/connectors/slack/system.js';
import { ibmAccessGroups } from './ibm-access-groups.js';
import { ibmAccountMembership } from './ibm-account-membership.js';
import { ibmDynamicGroups } from './ibm-dynamic-groups.js';
import { ibmApiKeys } from './ibm-api-keys.js';
import { ibmPolicies } from './ibm-policies.js';
import { ibmTrustedProfiles } from './ibm-trusted-profiles.js';
import { slackAccount } from './slack-account.js';

export interface RegisteredSystem {
  module: SystemModule<unknown>;
  /** In the order they are shown; a `closing` step runs after the others of its scope. */
  steps: StepJob[];
}

const system = <C>(module: SystemModule<C>, steps: StepJob[]): RegisteredSystem => ({ module: module as SystemModule<unknown>, steps });

/** Every system the bot can offboard from: the one place a system plugs in. */
export const SYSTEMS: readonly RegisteredSystem[] = [
  system(ibmCloud, [ibmApiKeys, ibmAccessGroups, ibmDynamicGroups, ibmPolicies, ibmTrustedProfiles, ibmAccountMembership]),
  system(slackAccounts, [slackAccount]),
];

export const SYSTEM_MODULES: readonly SystemModule<unknown>[] = SYSTEMS.map((s) => s.module);
