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
  /** Where the user signs in: one person can hold records in several realms of one account. */
  realm: 'IBMid' | 'SL' | 'BSS';
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

/** A condition of a dynamic rule, compared against a claim of the IdP's assertion at sign-in. */
export interface SimRuleCondition {
  claim: string;
  operator: 'EQUALS' | 'EQUALS_IGNORE_CASE' | 'IN' | 'NOT_EQUALS_IGNORE_CASE' | 'NOT_EQUALS' | 'CONTAINS';
  /** A stringified JSON value, as IAM stores it. */
  value: string;
}

/** A dynamic (rule-based) membership rule of an access group, in the IAM Access Groups v2 `Rule` shape. */
export interface SimGroupRule {
  id: string;
  name: string;
  /** Hours a dynamic membership lasts after sign-in. */
  expiration: number;
  realm_name: string;
  access_group_id: string;
  account_id: string;
  conditions: SimRuleCondition[];
  created_at: string;
  created_by_id: string;
  last_modified_at: string;
  last_modified_by_id: string;
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

/**
 * A service credential in the Resource Controller v2 `ResourceKey` shape. Its `credentials` hold
 * the secret (`apikey`) and name the service ID and API key IBM minted for it.
 */
export interface SimResourceKey {
  id: string;
  guid: string;
  crn: string;
  url: string;
  name: string;
  account_id: string;
  resource_group_id: string;
  resource_id: string;
  source_crn: string;
  resource_instance_url: string;
  state: 'active' | 'removed';
  iam_compatible: boolean;
  created_at: string;
  updated_at: string;
  /** The IAM id of whoever created it: the only field that says so, with no filter on it. */
  created_by: string;
  updated_by: string;
  credentials: {
    apikey?: string;
    iam_apikey_id?: string;
    iam_apikey_name?: string;
    iam_apikey_description?: string;
    iam_role_crn?: string;
    iam_serviceid_crn?: string;
    [more: string]: unknown;
  };
}

/** A service instance in the Resource Controller v2 `ResourceInstance` shape. */
export interface SimResourceInstance {
  id: string;
  guid: string;
  crn: string;
  url: string;
  name: string;
  account_id: string;
  region_id: string;
  resource_group_id: string;
  resource_id: string;
  resource_plan_id: string;
  type: 'service_instance';
  state: 'active' | 'provisioning' | 'inactive' | 'removed';
  created_at: string;
  updated_at: string;
  created_by: string;
  updated_by: string;
  resource_keys_url: string;
}

/** A VPC SSH key (`GET /v1/keys` of one region): IBM records no creator. */
export interface SimVpcKey {
  id: string;
  name: string;
  region: string;
  account_id: string;
  /** `ssh-ed25519 AAAA… comment`: the comment is the only place a key may name its maker. */
  public_key: string;
  fingerprint: string;
  type: 'rsa' | 'ed25519';
  created_at: string;
}

/** A VPC virtual server instance, with the keys its initialization installed. */
export interface SimVpcInstance {
  id: string;
  name: string;
  region: string;
  account_id: string;
  /** Ids of the keys installed when it was created (`GET /v1/instances/{id}/initialization`). */
  key_ids: string[];
}

export interface IbmCloudSeed {
  accounts: SimAccount[];
  users: SimUser[];
  apiKeys: SimApiKey[];
  serviceIds: SimServiceId[];
  profiles: SimTrustedProfile[];
  profileIdentities: SimProfileIdentity[];
  accessGroups: SimAccessGroup[];
  /**
   * Rules of the groups. The simulator does not evaluate them against sign-ins: a group's dynamic
   * members are the seeded `membership_type: 'dynamic'` members, as IAM last computed them.
   */
  accessGroupRules: SimGroupRule[];
  policies: SimPolicy[];
  /** Resource Controller: each served only to a token of its account, as IBM does. */
  resourceKeys: SimResourceKey[];
  resourceInstances: SimResourceInstance[];
  /** VPC SSH keys and servers, each served only to a token of its account; absent: none. */
  vpcKeys?: SimVpcKey[];
  vpcInstances?: SimVpcInstance[];
  /** When each user last signed in (IAM id to ISO time), for the activity report; absent: never. */
  userSignIns?: Record<string, string>;
  /** The user the accepted API keys belong to: the `iam_id` in every token the simulator issues. */
  botIamId: string;
  /**
   * Which seeded API key the accepted keys are, as `GET /v1/apikeys/details` names it (its id and
   * whom it authenticates): a bot running as a service ID's key. Absent: a key of `botIamId`'s of its own.
   */
  botApiKeyId?: string;
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
  /**
   * The largest page any list endpoint serves, whatever page size the request asks for (as a
   * server caps it), so tests can prove that every listing follows `next`; default: each
   * endpoint's own default and maximum.
   */
  pageSize?: number;
  /** How long an activity report takes to generate: `getReport` answers 204 until then; default 0. */
  reportGenerationMs?: number;
  /** Seed of the random source behind fault `rate`s, so a faulty run can be replayed; default 1. */
  faultSeed?: number;
}

export type FaultStatus = 429 | 403 | 500 | 503 | 401 | 400 | 409;

export interface FaultRule {
  /** e.g. 'DELETE'; default any method. */
  method?: string;
  /** Matched against the request path without its query; a string matches as a substring. */
  path: string | RegExp;
  /** Query parameters the request must carry with these values (user keys or service IDs' keys of `/v1/apikeys`); default any. */
  query?: Record<string, string>;
  status: FaultStatus;
  /** How many matching requests fail; default Infinity. */
  times?: number;
  /** How many matching requests pass before the first fails (page 3 of a listing: `after: 2`); default 0. */
  after?: number;
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

export type SimDynamicGroup = SimAccessGroup & { rules: SimGroupRule[] };

export type NewSimUser = Pick<SimUser, 'iam_id' | 'email' | 'firstname' | 'lastname'> & Partial<Pick<SimUser, 'realm' | 'user_id' | 'state'>>;

export interface NewSimApiKey {
  accountId: string;
  iamId: string;
  name: string;
  /** Default: a fresh `ApiKey-<uuid>`. */
  id?: string;
  /** Who made it; default its owner (`iamId`), as for a user's own key. */
  createdBy?: string;
}

export interface NewSimServiceId {
  accountId: string;
  name: string;
  /** The IAM id of whoever creates it: its first history record. */
  createdBy: string;
  /** Default: a fresh `ServiceId-<uuid>`. */
  id?: string;
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
  /** Every user record of the account whose email matches, in any letter case and realm. */
  usersInAccount(accountId: string, email: string): SimUser[];
  apiKeysOf(accountId: string, iamId: string): SimApiKey[];
  /** One API key as it is now (its `disabled` flag, its activity); undefined once deleted. */
  apiKey(id: string): SimApiKey | undefined;
  /** Trusted profiles in the account that the identity may still assume. */
  profilesLinkedTo(accountId: string, iamId: string): SimTrustedProfile[];
  /** Groups the identity is a static member of: what "remove from all groups" removes. */
  groupsOf(accountId: string, iamId: string): SimAccessGroup[];
  /** Groups a rule makes the identity a member of, each with its rules. */
  dynamicGroupsOf(accountId: string, iamId: string): SimDynamicGroup[];
  /** The identity's direct policies, as full documents. */
  policiesOf(accountId: string, iamId: string): SimPolicy[];
  /** One service credential as it is now; undefined once deleted. */
  resourceKey(id: string): SimResourceKey | undefined;
  /** Every secret value handed out by creating an API key or a service credential, to look for where none may be. */
  issuedSecrets(): string[];
  /** Whether the API key was created with its value stored (`store_value`), to be collected in the console. */
  valueStored(id: string): boolean;
  /** One VPC SSH key as it is now; undefined once deleted. */
  vpcKey(id: string): SimVpcKey | undefined;
  /** One service ID as it is now, with its history; undefined once deleted. */
  serviceId(id: string): SimServiceId | undefined;
  /** Every live service ID of the account. */
  serviceIdsOf(accountId: string): SimServiceId[];
  setReportGeneration(ms: number): void;
  /** Changes made by someone other than the bot (access that comes back), visible to reads at once. */
  addUserToAccount(accountId: string, user: NewSimUser): SimUser;
  /** Adds a static member; throws if the group does not exist. */
  addToGroup(groupId: string, iamId: string): void;
  createApiKey(key: NewSimApiKey): SimApiKey;
  createServiceId(serviceId: NewSimServiceId): SimServiceId;
  /** Throws if the key does not exist. */
  enableKey(id: string): void;
  /**
   * Records a sign-in with the key (`activity.last_authn`, `authn_count`), at `at` (default now),
   * whatever its state: a test may date a use before the disable took hold.
   */
  useApiKey(id: string, at?: Date | string): void;
  /** Records a user's sign-in at `at` (default now): their `last_authn` in the activity report. */
  signIn(iamId: string, at?: Date | string): void;
  /**
   * Makes the account's latest activity report as IAM would have generated it at `asOf` (default
   * now) over the `durationHours` before (default 720), answered 204 for `readyInMs` (default 0)
   * and then 200: a report a test cannot wait hours for. Answers its reference.
   */
  fileReport(accountId: string, opts?: { asOf?: Date | string; durationHours?: number; readyInMs?: number }): string;
  close(): Promise<void>;
}
