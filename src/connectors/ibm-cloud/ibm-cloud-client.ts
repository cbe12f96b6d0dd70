import { IamAuthenticator } from '@ibm-cloud/platform-services/auth';
import IamAccessGroupsV2 from '@ibm-cloud/platform-services/iam-access-groups/v2';
import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1';
import IamPolicyManagementV1 from '@ibm-cloud/platform-services/iam-policy-management/v1';
import UserManagementV1 from '@ibm-cloud/platform-services/user-management/v1';
import type { IbmCloudSettings } from './settings.js';
import type { Metrics } from '../../metrics/metrics.js';
import { PermanentError, RetryableError } from '../step-errors.js';
import { classifyIbmError } from './classify-ibm-error.js';

export interface IbmUser {
  iamId: string;
  email: string;
  name: string;
  state: string;
}
export interface IbmApiKey {
  id: string;
  name: string;
  createdAt?: string;
  lastUsed?: string;
}
export interface IbmAccessGroup {
  id: string;
  name: string;
}
export interface IbmPolicy {
  id: string;
  roles: string[];
  resource: string;
}
export interface IbmProfileLink {
  profileId: string;
  profileName: string;
}
export type GroupRemoval = { groupId: string; status: number; error?: string };

/**
 * The only module that speaks to the IBM SDK. Every call goes through `call`, which classifies
 * errors once and counts the call by outcome; SDK retries stay off because BullMQ owns retrying.
 */
export class IbmCloudClient {
  private readonly users: UserManagementV1;
  private readonly identity: IamIdentityV1;
  private readonly groups: IamAccessGroupsV2;
  private readonly policies: IamPolicyManagementV1;
  private readonly authenticator: IamAuthenticator;

  constructor(
    private readonly cfg: IbmCloudSettings,
    private readonly metrics?: Metrics,
  ) {
    const authenticator = new IamAuthenticator({ apikey: cfg.apiKey, url: cfg.iamUrl });
    this.authenticator = authenticator;
    const common = { authenticator, timeout: cfg.timeoutMs };
    this.users = new UserManagementV1({ ...common, serviceUrl: cfg.userManagementUrl });
    this.identity = new IamIdentityV1({ ...common, serviceUrl: cfg.iamIdentityUrl });
    this.groups = new IamAccessGroupsV2({ ...common, serviceUrl: cfg.accessGroupsUrl });
    this.policies = new IamPolicyManagementV1({ ...common, serviceUrl: cfg.policyManagementUrl });
  }

  /** Exchanges the API key for a token, so a wrong key or IAM URL stops the bot at start-up. */
  async checkCredentials(): Promise<void> {
    try {
      await this.authenticator.authenticate({ headers: {} });
    } catch (err) {
      const classified = classifyIbmError('IBM Cloud IAM sign-in', err);
      throw new Error(`${classified.message}${/IBMCLOUD_API_KEY/.test(classified.message) ? '' : ` (IBMCLOUD_IAM_URL is ${this.cfg.iamUrl})`}`);
    }
  }

  async findUserByEmail(accountId: string, email: string): Promise<IbmUser | undefined> {
    const wanted = email.toLowerCase();
    const pager = new UserManagementV1.UsersPager(this.users, { accountId, search: `email:${email}` });
    const all = await this.call('list users', () => pager.getAll());
    const u = all.find((x) => x.email?.toLowerCase() === wanted);
    if (!u?.iam_id) return undefined;
    return { iamId: u.iam_id, email: u.email ?? email, name: [u.firstname, u.lastname].filter(Boolean).join(' '), state: u.state ?? 'UNKNOWN' };
  }

  async isMember(accountId: string, iamId: string): Promise<boolean> {
    return this.call('get user profile', () => absentIs404(() => this.users.getUserProfile({ accountId, iamId })));
  }

  /** Mutations resolve to false when the target was already gone. */
  async removeUser(accountId: string, iamId: string, transactionId: string): Promise<boolean> {
    return this.call('remove user from account', () => absentIs404(() => this.users.removeUser({ accountId, iamId, headers: { 'Transaction-Id': transactionId } })));
  }

  async listUserApiKeys(accountId: string, iamId: string): Promise<IbmApiKey[]> {
    const keys: IbmApiKey[] = [];
    let pagetoken: string | undefined;
    do {
      const page = await this.call('list API keys', () =>
        this.identity.listApiKeys({ accountId, scope: 'account', type: 'user', pagesize: 100, pagetoken }),
      );
      for (const k of page.result.apikeys ?? []) {
        if (k.iam_id !== iamId || !k.id) continue;
        keys.push({ id: k.id, name: k.name, createdAt: k.created_at, lastUsed: k.activity?.last_authn });
      }
      pagetoken = nextPageToken(page.result.next);
    } while (pagetoken);
    return keys;
  }

  async deleteApiKey(id: string, transactionId: string): Promise<boolean> {
    return this.call('delete API key', () => absentIs404(() => this.identity.deleteApiKey({ id, headers: { 'Transaction-Id': transactionId } })));
  }

  /** Trusted profiles in the account that this user is linked to, and so may assume. */
  async listProfileLinks(accountId: string, iamId: string): Promise<IbmProfileLink[]> {
    const links: IbmProfileLink[] = [];
    let pagetoken: string | undefined;
    do {
      const page = await this.call('list trusted profiles', () => this.identity.listProfiles({ accountId, pagesize: 100, pagetoken }));
      for (const p of page.result.profiles ?? []) {
        const { result } = await this.call('list trusted profile identities', () => this.identity.getProfileIdentities({ profileId: p.id }));
        if (result.identities?.some((i) => i.type === 'user' && i.iam_id === iamId)) links.push({ profileId: p.id, profileName: p.name });
      }
      pagetoken = nextPageToken(page.result.next);
    } while (pagetoken);
    return links;
  }

  async unlinkProfile(profileId: string, iamId: string, transactionId: string): Promise<boolean> {
    return this.call('unlink trusted profile', async () => {
      try {
        return await absentIs404(() =>
          this.identity.deleteProfileIdentity({ profileId, identityType: 'user', identifierId: iamId, headers: { 'Transaction-Id': transactionId } }),
        );
      } catch (err) {
        // IAM answers 409 to changes of one profile in quick succession: worth another try later.
        if (statusOf(err) === 409) throw new RetryableError('unlink trusted profile: IAM answered 409 (the profile changed moments ago)');
        throw err;
      }
    });
  }

  async listAccessGroups(accountId: string, iamId: string): Promise<IbmAccessGroup[]> {
    const pager = new IamAccessGroupsV2.AccessGroupsPager(this.groups, { accountId, iamId, membershipType: 'static' });
    const groups = await this.call('list access groups', () => pager.getAll());
    return groups.filter((g) => g.id).map((g) => ({ id: g.id!, name: g.name ?? g.id! }));
  }

  /** Per-group outcome; an empty list means the member was in no group. */
  async removeFromAllAccessGroups(accountId: string, iamId: string, transactionId: string): Promise<GroupRemoval[]> {
    return this.call('remove from all access groups', async () => {
      try {
        const res = await this.groups.removeMemberFromAllAccessGroups({ accountId, iamId, transactionId });
        return (res.result.groups ?? []).map((g) => ({
          groupId: g.access_group_id ?? '',
          status: g.status_code ?? 0,
          error: g.errors?.map((e) => e.message).join('; ') || undefined,
        }));
      } catch (err) {
        if (statusOf(err) === 404) return [];
        throw err;
      }
    });
  }

  async listDirectPolicies(accountId: string, iamId: string): Promise<IbmPolicy[]> {
    const pager = new IamPolicyManagementV1.V2PoliciesPager(this.policies, { accountId, iamId });
    const policies = await this.call('list policies', () => pager.getAll());
    return policies
      .filter((p) => p.id && p.subject?.attributes?.some((a) => a.key === 'iam_id' && a.value === iamId))
      .map((p) => ({
        id: p.id!,
        roles: roleNames(p.control),
        resource: (p.resource?.attributes ?? []).map((a) => `${a.key}=${String(a.value)}`).join(', ') || 'account',
      }));
  }

  async deletePolicy(id: string, transactionId: string): Promise<boolean> {
    return this.call('delete policy', () => absentIs404(() => this.policies.deleteV2Policy({ id, headers: { 'Transaction-Id': transactionId } })));
  }

  /**
   * Counted by outcome: `ok` (a paged listing counts once), IBM's HTTP status, `error` for a
   * refusal we raised ourselves, `network` when no answer came.
   */
  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.metrics?.ibmCalls.inc({ operation, status: 'ok' });
      return result;
    } catch (err) {
      const own = err instanceof RetryableError || err instanceof PermanentError;
      this.metrics?.ibmCalls.inc({ operation, status: String(statusOf(err) ?? (own ? 'error' : 'network')) });
      throw classifyIbmError(operation, err);
    }
  }
}


async function absentIs404(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw err;
  }
}

/** IAM Identity pages by an opaque token carried in the `next` link. */
function nextPageToken(next: string | undefined): string | undefined {
  return next ? (new URL(next, 'http://x').searchParams.get('pagetoken') ?? undefined) : undefined;
}

function roleNames(control: unknown): string[] {
  // ControlResponse is a union; only the grant form carries roles.
  const roles = (control as { grant?: { roles?: { role_id: string }[] } } | undefined)?.grant?.roles ?? [];
  return roles.map((r) => r.role_id.split(':').pop() ?? r.role_id);
}

function statusOf(err: unknown): number | undefined {
  return (err as { status?: number } | null)?.status;
}
