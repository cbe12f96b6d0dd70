import type {
  IbmCloudSeed,
  SimAccessGroup,
  SimAccount,
  SimApiKey,
  SimGroupMember,
  SimGroupRule,
  SimPolicy,
  SimProfileIdentity,
  SimResourceInstance,
  SimResourceKey,
  SimServiceId,
  SimTrustedProfile,
  SimUser,
  SimVpcInstance,
  SimVpcKey,
} from './types.js';

/**
 * A stored entity, read through IBM Cloud's eventual consistency: deleting it sets `deletedAt`
 * (the true state: gone) and `visibleUntil` (reads keep showing it until then); creating it
 * through the API sets `visibleFrom` (reads miss it until then); changing it keeps the former
 * value in `stale`, which reads keep serving until `stale.until`.
 */
export interface Stored<T> {
  value: T;
  deletedAt?: number;
  visibleUntil?: number;
  visibleFrom?: number;
  stale?: { value: T; until: number };
}

export interface StoredMembership extends Stored<SimGroupMember> {
  groupId: string;
}

/** An activity report of one account: IAM keeps only the latest. */
export interface SimReport {
  reference: string;
  createdBy: string;
  durationHours: number;
  /** When it was asked for: the end of the window it covers. */
  startedAt: number;
  /** When `getReport` first answers it; absent: `reportGenerationMs` after `startedAt`. */
  readyAt?: number;
}

export type GroupInfo = Omit<SimAccessGroup, 'members'>;

const wrap = <T>(value: T): Stored<T> => ({ value });

/** Live in the true state. */
export const alive = (s: Stored<unknown>): boolean => s.deletedAt === undefined;

/** The account of a policy: its `accountId` resource attribute. */
export function policyAccount(p: Pick<SimPolicy, 'resource'>): string | undefined {
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
  readonly rules: SimGroupRule[];
  readonly policies: Stored<SimPolicy>[];
  readonly resourceKeys: Stored<SimResourceKey>[];
  readonly resourceInstances: Stored<SimResourceInstance>[];
  readonly vpcKeys: SimVpcKey[];
  readonly vpcInstances: SimVpcInstance[];
  readonly userSignIns: Record<string, string>;
  /** Every secret value the simulator handed out on creating a key: what a test looks for where it must never be. */
  readonly issuedSecrets: string[] = [];
  /** API keys created with `store_value: true`: their owner can read the value in the console. */
  readonly storedValues = new Set<string>();
  /** The latest activity report of each account. */
  readonly reports = new Map<string, SimReport>();
  reportGenerationMs = 0;
  readonly botIamId: string;
  readonly botApiKeyId: string | undefined;
  consistencyDelayMs: number;
  /** The largest page a list endpoint serves; undefined: each endpoint's own limits. */
  readonly pageSize: number | undefined;

  constructor(seed: IbmCloudSeed, consistencyDelayMs: number, pageSize?: number) {
    const s = structuredClone(seed);
    this.accounts = s.accounts;
    this.users = s.users.map(wrap);
    this.apiKeys = s.apiKeys.map(wrap);
    this.serviceIds = s.serviceIds.map(wrap);
    this.profiles = s.profiles.map(wrap);
    this.profileIdentities = s.profileIdentities.map(wrap);
    this.groups = s.accessGroups.map(({ members: _members, ...g }) => g);
    this.memberships = s.accessGroups.flatMap((g) => g.members.map((m) => ({ value: m, groupId: g.id })));
    this.rules = s.accessGroupRules;
    this.policies = s.policies.map(wrap);
    this.resourceKeys = s.resourceKeys.map(wrap);
    this.resourceInstances = s.resourceInstances.map(wrap);
    this.vpcKeys = s.vpcKeys ?? [];
    this.vpcInstances = s.vpcInstances ?? [];
    this.userSignIns = s.userSignIns ?? {};
    this.botIamId = s.botIamId;
    this.botApiKeyId = s.botApiKeyId;
    this.consistencyDelayMs = consistencyDelayMs;
    this.pageSize = pageSize;
  }

  /**
   * Visible to reads at `now`: live, or deleted less than the consistency delay ago; and not
   * created less than the consistency delay ago.
   */
  visible(s: Stored<unknown>, now = Date.now()): boolean {
    if (s.visibleFrom !== undefined && now < s.visibleFrom) return false;
    return s.deletedAt === undefined || (s.visibleUntil !== undefined && now < s.visibleUntil);
  }

  /** The value reads see at `now`: the former one while a change is not yet visible. */
  read<T>(s: Stored<T>, now = Date.now()): T {
    return s.stale !== undefined && now < s.stale.until ? s.stale.value : s.value;
  }

  /** Stores an entity created through the API: reads see it after the consistency delay. */
  created<T>(value: T, now = Date.now()): Stored<T> {
    return this.consistencyDelayMs > 0 ? { value, visibleFrom: now + this.consistencyDelayMs } : { value };
  }

  /** Changes an entity through the API: reads keep seeing the former value for the consistency delay. */
  change<T>(s: Stored<T>, update: (v: T) => T, now = Date.now()): void {
    if (this.consistencyDelayMs > 0) s.stale = { value: this.read(s, now), until: now + this.consistencyDelayMs };
    s.value = update(s.value);
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
}
