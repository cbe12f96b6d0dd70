import { randomUUID } from 'node:crypto';
import { alive, type SimState } from './state.js';
import type { NewSimApiKey, NewSimServiceId, NewSimUser, SimApiKey, SimServiceId, SimUser } from './types.js';

/**
 * Changes someone other than the bot makes in IBM Cloud (an administrator re-invites the person,
 * re-adds them to a group, they create or re-enable a key, a key signs in): what a re-scan after
 * an offboarding must notice. They take effect for reads at once, as if made a while ago.
 */
export function addUserToAccount(state: SimState, accountId: string, user: NewSimUser, now = new Date()): SimUser {
  if (!state.account(accountId)) throw new Error(`No account ${accountId} in the simulator`);
  if (state.users.some((u) => alive(u) && u.value.account_id === accountId && u.value.iam_id === user.iam_id)) {
    throw new Error(`${user.iam_id} is already a member of account ${accountId}`);
  }
  const added: SimUser = {
    id: randomUUID().replace(/-/g, ''),
    realm: 'IBMid',
    user_id: user.email,
    state: 'ACTIVE',
    ...user,
    account_id: accountId,
    added_on: now.toISOString(),
  };
  state.users.push({ value: added });
  return structuredClone(added);
}

export function addToGroup(state: SimState, groupId: string, iamId: string, now = new Date()): void {
  if (!state.group(groupId)) throw new Error(`No access group ${groupId} in the simulator`);
  state.memberships.push({
    groupId,
    value: { iam_id: iamId, type: 'user', membership_type: 'static', created_at: now.toISOString(), created_by_id: state.botIamId },
  });
}

export function createApiKey(state: SimState, key: NewSimApiKey, now = new Date()): SimApiKey {
  const id = key.id ?? `ApiKey-${randomUUID()}`;
  const at = now.toISOString();
  const created: SimApiKey = {
    id,
    entity_tag: `1-${id.slice(-12)}`,
    crn: `crn:v1:bluemix:public:iam-identity::a/${key.accountId}::apikey:${id}`,
    name: key.name,
    iam_id: key.iamId,
    account_id: key.accountId,
    locked: false,
    disabled: false,
    created_at: at,
    created_by: key.createdBy ?? key.iamId,
    modified_at: at,
    activity: { authn_count: 0 },
  };
  state.apiKeys.push({ value: created });
  return structuredClone(created);
}

export function createServiceId(state: SimState, serviceId: NewSimServiceId, now = new Date()): SimServiceId {
  if (!state.account(serviceId.accountId)) throw new Error(`No account ${serviceId.accountId} in the simulator`);
  const id = serviceId.id ?? `ServiceId-${randomUUID()}`;
  const at = now.toISOString();
  const created: SimServiceId = {
    id,
    iam_id: `iam-${id}`,
    entity_tag: `1-${id.slice(-12)}`,
    crn: `crn:v1:bluemix:public:iam-identity::a/${serviceId.accountId}::serviceid:${id}`,
    locked: false,
    created_at: at,
    modified_at: at,
    account_id: serviceId.accountId,
    name: serviceId.name,
    history: [
      { timestamp: at, iam_id: serviceId.createdBy, iam_id_account: serviceId.accountId, action: 'create', params: [serviceId.name], message: 'Created' },
    ],
  };
  state.serviceIds.push({ value: created });
  return structuredClone(created);
}

function liveKey(state: SimState, id: string) {
  const key = state.apiKeys.find((k) => alive(k) && k.value.id === id);
  if (!key) throw new Error(`No API key ${id} in the simulator`);
  return key;
}

export function enableKey(state: SimState, id: string, now = new Date()): void {
  const key = liveKey(state, id);
  key.value = { ...key.value, disabled: false, modified_at: now.toISOString() };
  delete key.stale;
}

export function useApiKey(state: SimState, id: string, at: Date | string = new Date()): void {
  const key = liveKey(state, id);
  const when = typeof at === 'string' ? at : at.toISOString();
  key.value = { ...key.value, activity: { last_authn: when, authn_count: (key.value.activity?.authn_count ?? 0) + 1 } };
}

/** Records a user's sign-in (what the activity report names as their `last_authn`), at `at` (default now). */
export function signIn(state: SimState, iamId: string, at: Date | string = new Date()): void {
  state.userSignIns[iamId] = typeof at === 'string' ? at : at.toISOString();
}
