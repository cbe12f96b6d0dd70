import { alive, policyAccount, policySubject, type SimState } from './state.js';
import type { SimAccessGroup, SimApiKey, SimDynamicGroup, SimPolicy, SimServiceId, SimTrustedProfile, SimUser } from './types.js';

/**
 * What is TRUE now, ignoring the consistency delay: the views tests assert on. Deep copies, so
 * an assertion can never change the simulator.
 */
export function usersInAccount(state: SimState, accountId: string, email: string): SimUser[] {
  const lower = email.toLowerCase();
  return state.users.filter((u) => alive(u) && u.value.account_id === accountId && u.value.email.toLowerCase() === lower).map((u) => structuredClone(u.value));
}

export function apiKeysOf(state: SimState, accountId: string, iamId: string): SimApiKey[] {
  return state.apiKeys.filter((k) => alive(k) && k.value.account_id === accountId && k.value.iam_id === iamId).map((k) => structuredClone(k.value));
}

export function apiKey(state: SimState, id: string): SimApiKey | undefined {
  const found = state.apiKeys.find((k) => alive(k) && k.value.id === id);
  return found ? structuredClone(found.value) : undefined;
}

export function serviceId(state: SimState, id: string): SimServiceId | undefined {
  const found = state.serviceIds.find((s) => alive(s) && s.value.id === id);
  return found ? structuredClone(found.value) : undefined;
}

export function serviceIdsOf(state: SimState, accountId: string): SimServiceId[] {
  return state.serviceIds.filter((s) => alive(s) && s.value.account_id === accountId).map((s) => structuredClone(s.value));
}

function groupsWith(state: SimState, accountId: string, iamId: string, type: 'static' | 'dynamic'): SimAccessGroup[] {
  return state.groups
    .filter((g) => g.account_id === accountId)
    .filter((g) => state.memberships.some((m) => alive(m) && m.groupId === g.id && m.value.iam_id === iamId && m.value.membership_type === type))
    .map((g) => ({
      ...structuredClone(g),
      members: state.memberships.filter((m) => alive(m) && m.groupId === g.id).map((m) => structuredClone(m.value)),
    }));
}

export function groupsOf(state: SimState, accountId: string, iamId: string): SimAccessGroup[] {
  return groupsWith(state, accountId, iamId, 'static');
}

export function dynamicGroupsOf(state: SimState, accountId: string, iamId: string): SimDynamicGroup[] {
  return groupsWith(state, accountId, iamId, 'dynamic').map((g) => ({
    ...g,
    rules: state.rules.filter((r) => r.access_group_id === g.id).map((r) => structuredClone(r)),
  }));
}

export function profilesLinkedTo(state: SimState, accountId: string, iamId: string): SimTrustedProfile[] {
  return state.profiles
    .filter((p) => alive(p) && p.value.account_id === accountId)
    .filter((p) => state.profileIdentities.some((i) => alive(i) && i.value.profile_id === p.value.id && i.value.iam_id === iamId))
    .map((p) => structuredClone(p.value));
}

export function policiesOf(state: SimState, accountId: string, iamId: string): SimPolicy[] {
  return state.policies
    .filter((p) => alive(p) && policyAccount(p.value) === accountId && policySubject(p.value, 'iam_id') === iamId)
    .map((p) => structuredClone(p.value));
}
