import type { RunPlan } from '../src/queue/run-flow.js';
import { ibmAccessGroups } from './ibm-access-groups.js';
import { ibmAccountMembership } from './ibm-account-membership.js';
import { ibmApiKeys } from './ibm-api-keys.js';
import { ibmPolicies } from './ibm-policies.js';
import { ibmTrustedProfiles } from './ibm-trusted-profiles.js';

/**
 * IBM Cloud, per account: the person's keys, groups, direct policies and trusted-profile links go first, in parallel;
 * removing them from the account waits for those, so the evidence lists each item explicitly
 * rather than as a side effect of the removal.
 */
export const IBM_CLOUD_PLAN: RunPlan = { parent: ibmAccountMembership, children: [ibmApiKeys, ibmAccessGroups, ibmPolicies, ibmTrustedProfiles] };
