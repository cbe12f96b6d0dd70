/** What the IBM Cloud client returns: plain data, free of SDK types, so it can be kept as evidence. */

export interface IbmUser {
  iamId: string;
  email: string;
  name: string;
  state: string;
  /** Where this record signs in (IBMid, SL, BSS): one person can hold records in several. */
  realm: string;
  /** The login id. */
  userId: string;
}
/** An API key as IAM lists it: never with its last use, which IBM gives only to a single read (`getApiKey`). */
export interface IbmApiKey {
  id: string;
  name: string;
  disabled: boolean;
  createdAt?: string;
}
/** One API key as IAM reports it now, with its sign-in activity. */
export interface IbmApiKeyState {
  id: string;
  name: string;
  iamId: string;
  accountId: string;
  disabled: boolean;
  locked: boolean;
  lastUsed?: string;
  useCount: number;
}
export interface IbmAccessGroup {
  id: string;
  name: string;
}
export interface IbmPolicy {
  id: string;
  /** The IAM id that granted it (`created_by_id`). */
  grantedBy?: string;
  roles: string[];
  resource: string;
  /** The whole policy without what IAM assigns, so that `createPolicy` can re-create it. */
  document: IbmPolicyDocument;
}
export interface IbmAttribute {
  key: string;
  operator: string;
  value: unknown;
}
/** A v2 policy as written, not as stored: no id, href, state or created/modified stamps. */
export interface IbmPolicyDocument {
  type: string;
  description?: string;
  subject: { attributes: IbmAttribute[] };
  control: { grant: { roles: { role_id: string }[] } };
  resource: { attributes: IbmAttribute[]; tags?: { key: string; value: string; operator: string }[] };
  pattern?: string;
  rule?: unknown;
}
/** `created: false` when IAM already held the same grant (409) and answered with that policy. */
export type PolicyCreation = { id: string; created: boolean };
export interface IbmProfileLink {
  profileId: string;
  profileName: string;
  /** For a user link: the accounts it may be assumed from. */
  accounts?: string[];
  description?: string;
}
export interface IbmGroupRule {
  id: string;
  name: string;
  /** Hours a membership lasts after the person signs in. */
  expirationHours?: number;
  /** The identity provider whose claims the rule reads. */
  realmName?: string;
  conditions: { claim: string; operator: string; value: string }[];
}
/** A group the person is in because a rule matched them at sign-in, not because anyone added them. */
export interface IbmDynamicMembership {
  groupId: string;
  groupName: string;
  /** Every rule of the group: IAM does not say which one matched. */
  rules: IbmGroupRule[];
}
export type GroupRemoval = { groupId: string; status: number; error?: string };
/** A service ID, with its creator: the IAM id of the earliest record of its history (IAM has no `created_by`). */
export interface IbmServiceId {
  id: string;
  iamId: string;
  name: string;
  crn?: string;
  locked: boolean;
  createdAt?: string;
  /** Undefined when IAM gave no history. */
  createdBy?: string;
}
/** An API key of a service ID (`iamId` is the service ID's), with who created it. */
export interface IbmServiceIdKey {
  id: string;
  name: string;
  iamId: string;
  createdBy?: string;
  createdAt?: string;
  disabled: boolean;
  locked: boolean;
}
/** A service credential: the secret it holds is never read into this shape. */
export interface IbmResourceKey {
  id: string;
  name: string;
  crn?: string;
  createdBy?: string;
  createdAt?: string;
  /** The instance it is a credential for. */
  sourceCrn?: string;
  /** The service ID and API key IBM minted for it, when it is IAM-compatible. */
  serviceIdCrn?: string;
  apiKeyId?: string;
}
export interface IbmResourceInstance {
  id: string;
  name: string;
  crn?: string;
  createdBy?: string;
  createdAt?: string;
  state?: string;
  resourceId?: string;
  regionId?: string;
}
/** A trusted profile, with its creator (the earliest record of its history). */
export interface IbmTrustedProfile {
  id: string;
  name: string;
  createdBy?: string;
  createdAt?: string;
}
/** Sign-ins of an API key or service ID, from a single read (IBM computes them on request only). */
export interface IbmActivity {
  lastUsed?: string;
  useCount: number;
}
/** One identity in IAM's inactive-identities report, with when it last signed in (none: never in the report's memory). */
export interface IbmInactiveIdentity {
  kind: 'user' | 'user-apikey' | 'serviceid-apikey' | 'serviceid' | 'profile';
  id: string;
  name: string;
  /** For a user: their email, matched exactly to a Slack user; for a user's key: its owner's. */
  email?: string;
  /** For a key: the service ID or user it authenticates, by name. */
  owner?: string;
  lastAuthn?: string;
}
/** IAM's activity report (`createReport` type inactive) as the sweep reads it: 204 is `generating`, 404 `unknown`. */
export type IbmInactiveReport =
  | { state: 'generating' }
  | { state: 'unknown' }
  | { state: 'ready'; reference: string; endTime?: string; identities: IbmInactiveIdentity[] };

/** A key or service credential the bot created: its id, name and time, never its secret. */
export interface IbmCreatedCredential {
  id: string;
  name: string;
  createdAt: string;
}

/** One service credential as a single read shows it: its instance, role and minted API key, never its secret. */
export interface IbmResourceKeyDetail {
  id: string;
  name: string;
  sourceCrn?: string;
  roleCrn?: string;
  apiKeyId?: string;
}
