import type {
  IbmCloudSeed,
  SimAccessGroup,
  SimAccount,
  SimApiKey,
  SimGroupMember,
  SimPolicy,
  SimProfileIdentity,
  SimServiceId,
  SimTrustedProfile,
  SimUser,
} from './types.js';

/**
 * A stored entity. Deleting it sets `deletedAt` (the true state: gone) and `visibleUntil`:
 * reads keep showing it until then, which models IBM Cloud's eventual consistency.
 */
export interface Stored<T> {
  value: T;
  deletedAt?: number;
  visibleUntil?: number;
}

export interface StoredMembership extends Stored<SimGroupMember> {
  groupId: string;
}

export type GroupInfo = Omit<SimAccessGroup, 'members'>;

const wrap = <T>(value: T): Stored<T> => ({ value });

/** Live in the true state. */
export const alive = (s: Stored<unknown>): boolean => s.deletedAt === undefined;

/** The account of a policy: its `accountId` resource attribute. */
export function policyAccount(p: SimPolicy): string | undefined {
  const attr = p.resource.attributes.find((a) => a.key === 'accountId');
  return typeof attr?.value === 'string' ? attr.value : undefined;
}

export function policySubject(p: SimPolicy, key: 'iam_id' | 'access_group_id'): string | undefined {
  const attr = p.subject.attributes.find((a) => a.key === key);
  return typeof attr?.value === 'string' ? attr.value : undefined;
}

export class SimState {
  readonly accounts: SimAccount[];
  readonly users: Stored<SimUser>[];
  readonly apiKeys: Stored<SimApiKey>[];
  readonly serviceIds: Stored<SimServiceId>[];
  readonly profiles: Stored<SimTrustedProfile>[];
  readonly profileIdentities: Stored<SimProfileIdentity>[];
  readonly groups: GroupInfo[];
  readonly memberships: StoredMembership[];
  readonly policies: Stored<SimPolicy>[];
  readonly botIamId: string;
  consistencyDelayMs: number;

  constructor(seed: IbmCloudSeed, consistencyDelayMs: number) {
    const s = structuredClone(seed);
    this.accounts = s.accounts;
    this.users = s.users.map(wrap);
    this.apiKeys = s.apiKeys.map(wrap);
    this.serviceIds = s.serviceIds.map(wrap);
    this.profiles = s.profiles.map(wrap);
    this.profileIdentities = s.profileIdentities.map(wrap);
    this.groups = s.accessGroups.map(({ members: _members, ...g }) => g);
    this.memberships = s.accessGroups.flatMap((g) => g.members.map((m) => ({ value: m, groupId: g.id })));
    this.policies = s.policies.map(wrap);
    this.botIamId = s.botIamId;
    this.consistencyDelayMs = consistencyDelayMs;
  }

  /** Visible to reads at `now`: live, or deleted less than the consistency delay ago. */
  visible(s: Stored<unknown>, now = Date.now()): boolean {
    return s.deletedAt === undefined || (s.visibleUntil !== undefined && now < s.visibleUntil);
  }

  markDeleted(s: Stored<unknown>, now = Date.now()): void {
    s.deletedAt = now;
    s.visibleUntil = now + this.consistencyDelayMs;
  }

  account(id: string): SimAccount | undefined {
    return this.accounts.find((a) => a.id === id);
  }

  group(id: string): GroupInfo | undefined {
    return this.groups.find((g) => g.id === id);
  }

  /** Removing a user from an account also drops their group memberships and direct policies there. */
  removeUserFromAccount(user: Stored<SimUser>, now = Date.now()): void {
    const { account_id: accountId, iam_id: iamId } = user.value;
    this.markDeleted(user, now);
    for (const m of this.memberships) {
      if (alive(m) && m.value.iam_id === iamId && this.group(m.groupId)?.account_id === accountId) {
        this.markDeleted(m, now);
      }
    }
    for (const p of this.policies) {
      if (alive(p) && policySubject(p.value, 'iam_id') === iamId && policyAccount(p.value) === accountId) {
        this.markDeleted(p, now);
      }
    }
  }

  // ---- true-state views for test assertions (deep copies) ----

  userInAccount(accountId: string, email: string): SimUser | undefined {
    const lower = email.toLowerCase();
    const found = this.users.find(
      (u) => alive(u) && u.value.account_id === accountId && u.value.email.toLowerCase() === lower,
    );
    return found ? structuredClone(found.value) : undefined;
  }

  apiKeysOf(accountId: string, iamId: string): SimApiKey[] {
    return this.apiKeys
      .filter((k) => alive(k) && k.value.account_id === accountId && k.value.iam_id === iamId)
      .map((k) => structuredClone(k.value));
  }

  groupsOf(accountId: string, iamId: string): SimAccessGroup[] {
    return this.groups
      .filter((g) => g.account_id === accountId)
      .filter((g) => this.memberships.some((m) => alive(m) && m.groupId === g.id && m.value.iam_id === iamId))
      .map((g) => ({
        ...structuredClone(g),
        members: this.memberships.filter((m) => alive(m) && m.groupId === g.id).map((m) => structuredClone(m.value)),
      }));
  }

  profilesLinkedTo(accountId: string, iamId: string): SimTrustedProfile[] {
    return this.profiles
      .filter((p) => alive(p) && p.value.account_id === accountId)
      .filter((p) => this.profileIdentities.some((i) => alive(i) && i.value.profile_id === p.value.id && i.value.iam_id === iamId))
      .map((p) => structuredClone(p.value));
  }

  policiesOf(accountId: string, iamId: string): SimPolicy[] {
    return this.policies
      .filter((p) => alive(p) && policyAccount(p.value) === accountId && policySubject(p.value, 'iam_id') === iamId)
      .map((p) => structuredClone(p.value));
  }
}
