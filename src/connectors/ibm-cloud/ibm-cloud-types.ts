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
export interface IbmApiKey {
  id: string;
  name: string;
  disabled: boolean;
  createdAt?: string;
  lastUsed?: string;
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
