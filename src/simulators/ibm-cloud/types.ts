/**
 * Data shapes of the IBM Cloud simulator. Entities are stored in the same shape the real
 * APIs return them (snake_case field names), so routes can serve them with little mapping.
 */

export interface SimAccount {
  id: string;
  name: string;
  /** IAM id of the account owner: the owner cannot be removed from the account. */
  owner_iam_id: string;
}

/** A user's membership in one account, in the User Management v2 `UserProfile` shape. */
export interface SimUser {
  /** Profile id of this user in this account. */
  id: string;
  iam_id: string;
  realm: 'IBMid' | 'SL';
  /** Login id: the email address for IBMid users. */
  user_id: string;
  firstname: string;
  lastname: string;
  state: 'PROCESSING' | 'PENDING' | 'ACTIVE' | 'DISABLED_CLASSIC_INFRASTRUCTURE' | 'VPN_ONLY';
  email: string;
  phonenumber?: string;
  altphonenumber?: string;
  photo?: string;
  account_id: string;
  added_on: string;
}

export interface SimActivity {
  last_authn?: string;
  authn_count: number;
}

export interface SimHistoryRecord {
  timestamp: string;
  iam_id: string;
  iam_id_account: string;
  action: string;
  params: string[];
  message: string;
}

/** An API key in the IAM Identity `ApiKey` shape (the key value itself is never returned). */
export interface SimApiKey {
  id: string;
  entity_tag: string;
  crn: string;
  name: string;
  description?: string;
  /** Owner: a user (`IBMid-...`) or a service ID (`iam-ServiceId-...`). */
  iam_id: string;
  account_id: string;
  locked: boolean;
  disabled: boolean;
  created_at: string;
  created_by: string;
  modified_at: string;
  expires_at?: string;
  support_sessions?: boolean;
  action_when_leaked?: 'none' | 'disable' | 'delete';
  activity?: SimActivity;
}

export interface SimServiceId {
  id: string;
  iam_id: string;
  entity_tag: string;
  crn: string;
  locked: boolean;
  created_at: string;
  modified_at: string;
  account_id: string;
  name: string;
  description?: string;
  history: SimHistoryRecord[];
  activity?: SimActivity;
}

export interface SimTrustedProfile {
  id: string;
  entity_tag: string;
  crn: string;
  name: string;
  description?: string;
  created_at: string;
  modified_at: string;
  iam_id: string;
  account_id: string;
  history: SimHistoryRecord[];
  activity?: SimActivity;
}

export interface SimGroupMember {
  iam_id: string;
  type: 'user' | 'service' | 'profile';
  /** `dynamic` memberships come from rules and are not removed by "remove from all groups". */
  membership_type: 'static' | 'dynamic';
  created_at: string;
  created_by_id: string;
}

export interface SimAccessGroup {
  id: string;
  name: string;
  description?: string;
  account_id: string;
  created_at: string;
  created_by_id: string;
  last_modified_at: string;
  last_modified_by_id: string;
  is_federated: boolean;
  members: SimGroupMember[];
}

export interface SimAttribute {
  key: string;
  operator: string;
  value: unknown;
}

/**
 * A policy in the IAM Policy Management v2 shape. Its account is the `accountId` resource
 * attribute, as on IBM Cloud; its subject is an `iam_id` or an `access_group_id` attribute.
 */
export interface SimPolicy {
  id: string;
  type: 'access' | 'authorization';
  description?: string;
  subject: { attributes: SimAttribute[] };
  control: { grant: { roles: { role_id: string }[] } };
  resource: { attributes: SimAttribute[]; tags?: { key: string; value: string; operator: string }[] };
  pattern?: string;
  rule?: { operator?: string; conditions?: SimAttribute[]; key?: string; value?: unknown };
  created_at: string;
  created_by_id: string;
  last_modified_at: string;
  last_modified_by_id: string;
  state: 'active' | 'deleted';
}

/** An identity allowed to assume a trusted profile (a user, a service ID or a compute resource). */
export interface SimProfileIdentity {
  profile_id: string;
  iam_id: string;
  identifier: string;
  type: 'user' | 'serviceid' | 'crn';
  accounts?: string[];
  description?: string;
}

export interface IbmCloudSeed {
  accounts: SimAccount[];
  users: SimUser[];
  apiKeys: SimApiKey[];
  serviceIds: SimServiceId[];
  profiles: SimTrustedProfile[];
  profileIdentities: SimProfileIdentity[];
  accessGroups: SimAccessGroup[];
  policies: SimPolicy[];
  /** The user the accepted API keys belong to: the `iam_id` in every token the simulator issues. */
  botIamId: string;
}

export interface IbmCloudSimulatorOptions {
  /** Default 0: a random free port, bound to 127.0.0.1. */
  port?: number;
  /** Default: defaultIbmSeed(). Deep-copied, never mutated. */
  seed?: IbmCloudSeed;
  /** API keys the token endpoint accepts; default [SIM_BOT_API_KEY]. */
  apiKeys?: string[];
  /** Added to every response; default 0. */
  latencyMs?: number;
  /** After a deletion, reads keep showing the item this long; default 0. */
  consistencyDelayMs?: number;
  /** Default 3600. */
  tokenLifetimeSeconds?: number;
  /** Seed of the random source behind fault `rate`s, so a faulty run can be replayed; default 1. */
  faultSeed?: number;
}

export type FaultStatus = 429 | 403 | 500 | 503 | 401 | 400 | 409;

export interface FaultRule {
  /** e.g. 'DELETE'; default any method. */
  method?: string;
  /** Matched against the request path without its query; a string matches as a substring. */
  path: string | RegExp;
  status: FaultStatus;
  /** How many matching requests fail; default Infinity. */
  times?: number;
  /** For 429/503: sent as the Retry-After header (must be >= 1). */
  retryAfterSeconds?: number;
  /** Text appended to the error message in the body, as a real IAM error can echo a token or an API key. */
  echo?: string;
  /**
   * Share of matching requests that fail (0 to 1), drawn from the simulator's seeded random
   * source, for steady partial faults; default 1 (every match, `times` times).
   */
  rate?: number;
  /** Apply the request, then answer with the fault: a response lost after IBM made the change. */
  afterApply?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  transactionId?: string;
  status: number;
  /** ISO time the request arrived. */
  at: string;
}

export interface IbmCloudSimulator {
  /** e.g. http://127.0.0.1:41234: serves the token endpoint and all four services. */
  url: string;
  setLatency(ms: number): void;
  setConsistencyDelay(ms: number): void;
  inject(rule: FaultRule): void;
  clearFaults(): void;
  /** Every request received, in arrival order; `status` is set when the response is written. */
  requests: RecordedRequest[];
  /** The TRUE current state (ignoring the consistency delay), for test assertions. */
  userInAccount(accountId: string, email: string): SimUser | undefined;
  apiKeysOf(accountId: string, iamId: string): SimApiKey[];
  /** Trusted profiles in the account that the identity may still assume. */
  profilesLinkedTo(accountId: string, iamId: string): SimTrustedProfile[];
  groupsOf(accountId: string, iamId: string): SimAccessGroup[];
  policiesOf(accountId: string, iamId: string): SimPolicy[];
  close(): Promise<void>;
}
