import { IamAuthenticator } from '@ibm-cloud/platform-services/auth/index.js';
import AccountManagementV4 from '@ibm-cloud/platform-services/account-management/v4.js';
import IamAccessGroupsV2 from '@ibm-cloud/platform-services/iam-access-groups/v2.js';
import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1.js';
import IamPolicyManagementV1 from '@ibm-cloud/platform-services/iam-policy-management/v1.js';
import ResourceControllerV2 from '@ibm-cloud/platform-services/resource-controller/v2.js';
import UserManagementV1 from '@ibm-cloud/platform-services/user-management/v1.js';
import type { IbmCloudSettings } from './settings.js';
import type { Metrics } from '../../metrics/metrics.js';
import { PermanentError, RateLimitedError, RetryableError } from '../step-errors.js';
import { redact } from '../../redact.js';
import { wellFormedDeep } from '../../well-formed.js';
import { classifyIbmError } from './classify-ibm-error.js';
import type {
  GroupRemoval,
  IbmAccessGroup,
  IbmActivity,
  IbmApiKey,
  IbmApiKeyState,
  IbmCreatedCredential,
  IbmDynamicMembership,
  IbmInactiveIdentity,
  IbmInactiveReport,
  IbmPolicy,
  IbmPolicyDocument,
  IbmProfileLink,
  IbmResourceInstance,
  IbmResourceKey,
  IbmResourceKeyDetail,
  IbmServiceId,
  IbmServiceIdKey,
  IbmTrustedProfile,
  IbmUser,
  PolicyCreation,
} from './ibm-cloud-types.js';
import { conflictingPolicyId, policyDocument } from './policy-document.js';
import { onePage, ResumableListing, type Pager } from './resumable-listing.js';
import type { RateBudget } from '../rate-budget.js';
import { readsFresh } from '../read-fresh.js';
import { VpcClient } from './vpc-client.js';
import type { VpcReviews } from './vpc/vpc-review.js';

/** The settings a client is built from: the sweep's are not the client's (src/connectors/ibm-cloud/sweep/). */
export type IbmCloudClientSettings = Omit<IbmCloudSettings, 'sweep'>;

// Existing importers take these types from the client.
export type * from './ibm-cloud-types.js';

/**
 * How long an account-wide listing that failed part-way is kept for its askers' retries: longer
 * than a few retry delays (OFFBOARD_RETRY_MAX_DELAY_MS, 30 s by default, or a Retry-After).
 */
const KEEP_FAILED_LISTING_MS = 2 * 60_000;

/**
 * How old a listing may be and still answer another caller: a person's preview, identification and
 * steps, and everyone else's in the same round, share one listing of each kind per account while it
 * is this fresh. Never across the bot's own change of what it lists, in this process; never for a
 * read-back (see src/connectors/read-fresh.ts). Another process's change shows
 * within this bound.
 */
export const LISTING_MAX_AGE_MS = 30_000;

/**
 * The owner a caller names when it wants the keys of the account's service IDs from the listing of
 * every key: no person's IAM id, so the key step's change of a person's keys leaves it answered.
 */
const SERVICE_ID_KEYS = 'service IDs';

/**
 * The only module that speaks to the IBM SDK. Every call goes through `call`, which classifies
 * errors once and counts the call by outcome; SDK retries stay off because BullMQ owns retrying.
 */
export class IbmCloudClient {
  private readonly sdk: Services;

  /**
   * `budget` spaces calls per account across every worker (IBMCLOUD_MAX_RPS). `account` is the
   * account a step's calls are charged to when a call names none itself (a key or policy by id).
   */
  constructor(
    private readonly cfg: IbmCloudClientSettings,
    private readonly metrics?: Metrics,
    private readonly budget?: RateBudget,
    shared?: Services,
    private readonly account?: string,
  ) {
    this.sdk = shared ?? services(cfg);
  }

  /** The same client, its calls charged to `accountId`'s budget. */
  inAccount(accountId: string): IbmCloudClient {
    return new IbmCloudClient(this.cfg, this.metrics, this.budget, this.sdk, accountId);
  }

  /**
   * VPC's SSH keys and servers in IBMCLOUD_VPC_REGIONS, for the account IBMCLOUD_API_KEY belongs to
   * (VPC takes no account parameter); undefined when no region is configured.
   */
  vpcOf(accountId: string): VpcClient | undefined {
    if (!this.cfg.vpc.regions.length) return undefined;
    return new VpcClient({ ...this.cfg.vpc, timeoutMs: this.cfg.timeoutMs }, this.sdk.authenticator, (operation, fn) => this.call(operation, fn, accountId));
  }

  /** Where approvers' reviews of VPC SSH keys are kept (Redis), given by the system's `connect`. */
  get vpcReviews(): VpcReviews | undefined {
    return this.sdk.vpcReviews;
  }

  /** This client, and every per-account view of it, reading reviews from `reviews`. */
  withVpcReviews(reviews: VpcReviews): this {
    this.sdk.vpcReviews = reviews;
    return this;
  }

  /** The IAM id of the account's owner, who cannot be removed from it until ownership is transferred. */
  async accountOwner(accountId: string): Promise<string> {
    const [owner] = await this.sdk.owners.list(accountId, undefined, () =>
      onePage(async () => [(await this.call('get account', () => this.sdk.accounts.getAccount({ accountId }), accountId)).result.owner_iamid]),
    );
    return owner!;
  }

  /**
   * Who the bot's own API key (IBMCLOUD_API_KEY) belongs to: the IAM id IAM gives for it (a user's
   * `IBMid-…`, or a service ID's `iam-ServiceId-…`). Read once per process (see `ownApiKey`).
   */
  async apiKeyOwner(): Promise<string> {
    return (await this.ownApiKey()).iamId;
  }

  /** The bot's own API key (IBMCLOUD_API_KEY) as IAM lists it: its id, and the IAM id it authenticates as. Never its value. */
  async ownApiKey(): Promise<{ id: string; iamId: string }> {
    const { id, iamId } = await this.ownKeyDetails();
    if (!iamId || !id) throw new PermanentError('IAM did not say who IBMCLOUD_API_KEY belongs to');
    return { id, iamId };
  }

  /**
   * `GET /v1/apikeys/details` for the bot's own key, asked once per process (which builds one client)
   * and shared by its per-account views: IAM sets a key's owner and account when the key is created and has no call to
   * change either, and the key itself comes from the configuration, so a different key is a restart.
   * Callers asking while it is under way share the call; a failed call is forgotten, so the next
   * caller asks again.
   */
  private ownKeyDetails(): Promise<{ id?: string; iamId?: string; accountId?: string }> {
    this.sdk.ownKey ??= this.call('get api key details', () => this.sdk.identity.getApiKeysDetails({ iamApiKey: this.cfg.apiKey })).then(({ result }) => ({
      id: result.id,
      iamId: result.iam_id,
      accountId: result.account_id,
    }));
    const pending = this.sdk.ownKey;
    return pending.catch((err: unknown) => {
      if (this.sdk.ownKey === pending) this.sdk.ownKey = undefined;
      throw err;
    });
  }

  /** Exchanges the API key for a token, so a wrong key or IAM URL stops the bot at start-up. */
  async checkCredentials(): Promise<void> {
    try {
      await this.sdk.authenticator.authenticate({ headers: {} });
    } catch (err) {
      const classified = classifyIbmError('IBM Cloud IAM sign-in', err);
      throw new Error(`${classified.message}${/IBMCLOUD_API_KEY/.test(classified.message) ? '' : ` (IBMCLOUD_IAM_URL is ${this.cfg.iamUrl})`}`);
    }
  }

  /**
   * Every user record of the account with this email, in any realm and letter case, and no
   * other. The whole user list is read and compared here rather than asking IAM to `search`:
   * IBM documents that search as a substring match and does not say whether it ignores letter
   * case, and a record it missed would keep its access. People identified at the same time
   * share one listing, and `asker` (the same for every attempt of one identification) takes a
   * listing that failed part-way up from where it failed (see ResumableListing).
   */
  async findUsersByEmail(accountId: string, email: string, asker?: string): Promise<IbmUser[]> {
    const wanted = email.trim().toLowerCase();
    const all = await this.accountUsers(accountId, asker);
    return all
      .filter((u) => u.iam_id && u.email?.trim().toLowerCase() === wanted)
      .map((u) => ({
        iamId: u.iam_id!,
        email: u.email!,
        name: [u.firstname, u.lastname].filter(Boolean).join(' '),
        state: u.state ?? 'UNKNOWN',
        realm: u.realm ?? 'UNKNOWN',
        userId: u.user_id ?? u.email!,
      }));
  }

  /** Every user record of the account: one listing, shared and resumed like the other account-wide ones. */
  private accountUsers(accountId: string, asker?: string): Promise<UserManagementV1.UserProfile[]> {
    return this.sdk.userListings.list(accountId, asker, () =>
      this.counted('list users', new UserManagementV1.UsersPager(this.sdk.users, { accountId }), accountId),
    );
  }

  /**
   * Whether the user is a member of the account: from the account's user list when the
   * identification read it moments ago and it is still current (a record with exactly this IAM id),
   * else one read of the user's record. Never a new listing of every page of the account's users
   * for one person: in a bulk, each removal makes that list stale for the next person.
   */
  async isMemberNow(accountId: string, iamId: string): Promise<boolean> {
    const listed = this.sdk.userListings.current(accountId);
    return listed ? listed.some((u) => u.iam_id === iamId) : this.isMember(accountId, iamId);
  }

  /** One read of the user's record in the account (404: not a member), in any state. */
  async isMember(accountId: string, iamId: string): Promise<boolean> {
    return this.call('get user profile', () => absentIs404(() => this.sdk.users.getUserProfile({ accountId, iamId })), accountId);
  }

  /** Mutations resolve to false when the target was already gone. */
  async removeUser(accountId: string, iamId: string, transactionId: string): Promise<boolean> {
    // The account's users and profile links, and the person's groups and policies, as IAM may drop them with the membership.
    return this.changing([this.sdk.userListings, this.sdk.profileListings], accountId, () =>
      this.changing(
        [this.sdk.membershipListings, this.sdk.groupListings, this.sdk.dynamicGroupListings, this.sdk.policyListings],
        `${accountId}|${iamId}`,
        () =>
          this.call(
            'remove user from account',
            () => absentIs404(() => this.sdk.users.removeUser({ accountId, iamId, headers: { 'Transaction-Id': transactionId } })),
            accountId,
          ),
      ),
    );
  }

  /**
   * The user's API keys in the account: IAM lists another user's keys only account-wide, so people
   * listed at the same time share one listing of every key of the account (`accountApiKeys`),
   * resumed for `asker` where it failed. A read-back lists users' keys alone (IAM's `type=user`):
   * fewer pages than every key, as before the listings were shared. A listing never says when a key
   * was last used: `getApiKey` does, one key at a time.
   */
  async listUserApiKeys(accountId: string, iamId: string, asker?: string): Promise<IbmApiKey[]> {
    const all = await this.apiKeysOfKind(accountId, 'user', asker, iamId);
    return all
      .filter((k) => k.iamId === iamId)
      .map((k) => ({ id: k.id, name: k.name, disabled: k.disabled, ...(k.createdAt ? { createdAt: k.createdAt } : {}) }));
  }

  /** The API keys of one identity (a user or a service ID, by its exact IAM id) in the account: from the shared listing of every key. */
  async apiKeysOf(accountId: string, iamId: string, asker?: string): Promise<AccountApiKey[]> {
    return (await this.accountApiKeys(accountId, asker, iamId)).filter((k) => k.iamId === iamId);
  }

  /**
   * Every API key of the account, users' and service IDs' alike, every page: the one listing of keys
   * that every inventory shares (the preview, the identification, each step's, and everyone else's in
   * the same round) while it is fresh. IAM's answer names no kind: a service ID's key is told by its
   * IAM id being a service ID's (`listServiceIdKeys`), a person's by being theirs.
   */
  private accountApiKeys(accountId: string, asker?: string, owner?: string): Promise<AccountApiKey[]> {
    return this.sdk.keyListings.list(accountId, asker, () => this.apiKeyPages(accountId), owner);
  }

  /**
   * The keys of one kind a caller may be answered with: for a read-back, a listing of that kind alone
   * (IAM's `type` filter) begun after it asked; otherwise one such listing already read and still
   * current (a read-back's, moments ago) else the shared listing of every key. Both are kept in
   * `keyListings`, the kind's under `account|type=…`, so a change of a key makes both stale: for
   * `owner`'s keys alone when the change named its owner, else for everyone.
   */
  private async apiKeysOfKind(accountId: string, type: 'user' | 'serviceid', asker?: string, owner?: string): Promise<AccountApiKey[]> {
    const key = `${accountId}|type=${type}`;
    if (readsFresh()) return this.sdk.keyListings.list(key, asker, () => this.apiKeyPages(accountId, type), owner);
    return this.sdk.keyListings.current(key, owner) ?? this.accountApiKeys(accountId, asker, owner);
  }

  private apiKeyPages(accountId: string, type?: 'user' | 'serviceid'): Pager<AccountApiKey> {
    return tokenPager(async (pagetoken) => {
      const { result } = await this.call(
        type === 'serviceid' ? 'list service ID API keys' : 'list API keys',
        () => this.sdk.identity.listApiKeys({ accountId, scope: 'account', ...(type ? { type } : {}), pagesize: 100, pagetoken }),
        accountId,
      );
      const items = (result.apikeys ?? []).flatMap((k): AccountApiKey[] =>
        k.id && k.iam_id
          ? [
              {
                id: k.id,
                iamId: k.iam_id,
                name: k.name,
                disabled: k.disabled ?? false,
                locked: k.locked ?? false,
                ...(k.created_at ? { createdAt: k.created_at } : {}),
                ...(k.created_by ? { createdBy: k.created_by } : {}),
              },
            ]
          : [],
      );
      return { items, next: result.next };
    });
  }

  /**
   * `owner`: the IAM id the key belongs to, when the caller knows it (a person's key step): the key
   * listings of the account then go stale for that owner's keys alone (see `ResumableListing.changedFor`).
   */
  async deleteApiKey(id: string, transactionId: string, owner?: string): Promise<boolean> {
    return this.changingKey('delete API key', owner, () => this.sdk.identity.deleteApiKey({ id, headers: { 'Transaction-Id': transactionId } }));
  }

  /** A change of one API key, by its id: true when made, false when the key is gone; the key listings go stale as `deleteApiKey` says. */
  private changingKey(operation: string, owner: string | undefined, change: () => Promise<unknown>): Promise<boolean> {
    return this.changing([this.sdk.keyListings], this.account, () => this.call(operation, () => absentIs404(change)), owner);
  }

  /** The key as it is now, with when it last signed in; undefined once it no longer exists. */
  async getApiKey(id: string): Promise<IbmApiKeyState | undefined> {
    return this.call('get API key', async () => {
      try {
        const { result: k } = await this.sdk.identity.getApiKey({ id, includeActivity: true });
        return {
          id: k.id,
          name: k.name,
          iamId: k.iam_id,
          accountId: k.account_id,
          disabled: k.disabled ?? false,
          locked: k.locked,
          lastUsed: k.activity?.last_authn,
          useCount: k.activity?.authn_count ?? 0,
        };
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    });
  }

  /** The key stops working and keeps its id, so it can be enabled again. True also when it already was disabled. */
  async disableApiKey(id: string, transactionId: string, owner?: string): Promise<boolean> {
    return this.changingKey('disable API key', owner, () => this.sdk.identity.disableApiKey({ id, headers: { 'Transaction-Id': transactionId } }));
  }

  async enableApiKey(id: string, transactionId: string, owner?: string): Promise<boolean> {
    return this.changingKey('enable API key', owner, () => this.sdk.identity.enableApiKey({ id, headers: { 'Transaction-Id': transactionId } }));
  }

  /** Trusted profiles in the account that this user is linked to, and so may assume. */
  async listProfileLinks(accountId: string, iamId: string, asker?: string): Promise<IbmProfileLink[]> {
    const profiles = await this.sdk.profileListings.list(accountId, asker, () => this.accountProfileLinks(accountId));
    return profiles.flatMap((p) =>
      p.users
        .filter((u) => u.iamId === iamId)
        .map((u) => ({ profileId: p.profileId, profileName: p.profileName, accounts: u.accounts, description: u.description })),
    );
  }

  /** Every trusted profile of the account with the users linked to it: shared and resumed, like the key listing. */
  private accountProfileLinks(accountId: string): Pager<AccountProfile> {
    // A page is done once every profile on it has its identities: a failure part-way reads the page again.
    return tokenPager(async (pagetoken) => {
      const { result: page } = await this.call(
        'list trusted profiles',
        () => this.sdk.identity.listProfiles({ accountId, pagesize: 100, pagetoken, includeHistory: true }),
        accountId,
      );
      const items: AccountProfile[] = [];
      for (const p of page.profiles ?? []) {
        // Not paged: IAM returns every identity of a profile at once.
        const { result } = await this.call('list trusted profile identities', () => this.sdk.identity.getProfileIdentities({ profileId: p.id }), accountId);
        const users = (result.identities ?? [])
          .filter((i) => i.type === 'user')
          .map((i) => ({ iamId: i.iam_id, accounts: i.accounts, description: i.description }));
        items.push({ profileId: p.id, profileName: p.name, users, ...creation(p.history, p.created_at) });
      }
      return { items, next: page.next };
    });
  }

  async unlinkProfile(profileId: string, iamId: string, transactionId: string): Promise<boolean> {
    return this.changing([this.sdk.profileListings], this.account, () =>
      this.call('unlink trusted profile', async () => {
        try {
          return await absentIs404(() =>
            this.sdk.identity.deleteProfileIdentity({ profileId, identityType: 'user', identifierId: iamId, headers: { 'Transaction-Id': transactionId } }),
          );
        } catch (err) {
          // IAM answers 409 to changes of one profile in quick succession: worth another try later.
          if (statusOf(err) === 409) throw new RetryableError('unlink trusted profile: IAM answered 409 (the profile changed moments ago)');
          throw err;
        }
      }),
    );
  }

  /**
   * Links the user to the profile again. True once linked (also when it already was); false
   * when the profile no longer exists.
   */
  async linkProfile(profileId: string, iamId: string, transactionId: string, link: { accounts?: string[]; description?: string } = {}): Promise<boolean> {
    return this.changing([this.sdk.profileListings], this.account, () =>
      this.call('link trusted profile', async () => {
        const headers = { 'Transaction-Id': transactionId };
        try {
          return await absentIs404(() =>
            this.sdk.identity.setProfileIdentity({ profileId, identityType: 'user', identifier: iamId, type: 'user', ...link, headers }),
          );
        } catch (err) {
          if (statusOf(err) !== 409) throw err;
          // 409 is either "already linked" (a retry after a lost answer) or "the profile changed moments ago".
          const linked = await absentIs404(() => this.sdk.identity.getProfileIdentity({ profileId, identityType: 'user', identifierId: iamId, headers }));
          if (linked) return true;
          throw new RetryableError('link trusted profile: IAM answered 409 (the profile changed moments ago)');
        }
      }),
    );
  }

  /**
   * Every service ID of the account with its creator. Shared by everyone asking about the account
   * at the same time, and resumed for `asker` where it failed (see ResumableListing).
   */
  async listServiceIds(accountId: string, asker?: string): Promise<IbmServiceId[]> {
    return this.sdk.serviceIdListings.list(accountId, asker, () =>
      tokenPager(async (pagetoken) => {
        const { result } = await this.call(
          'list service IDs',
          () => this.sdk.identity.listServiceIds({ accountId, pagesize: 100, pagetoken, includeHistory: true }),
          accountId,
        );
        const items = (result.serviceids ?? []).map((s) => ({
          id: s.id,
          iamId: s.iam_id,
          name: s.name,
          crn: s.crn,
          locked: s.locked ?? false,
          ...creation(s.history, s.created_at),
        }));
        return { items, next: result.next };
      }),
    );
  }

  /**
   * Every API key of every service ID of the account, with who created each: the keys of the shared
   * listing of every key whose IAM id is that of one of the account's service IDs (the shared
   * listing of those, asked at the same time), compared exactly. A read-back lists them alone
   * (IAM's `type=serviceid`).
   */
  async listServiceIdKeys(accountId: string, asker?: string): Promise<IbmServiceIdKey[]> {
    const [keys, serviceIds] = await Promise.all([
      this.apiKeysOfKind(accountId, 'serviceid', asker, SERVICE_ID_KEYS),
      readsFresh() ? undefined : this.listServiceIds(accountId, asker),
    ]);
    const theirs = serviceIds && new Set(serviceIds.map((s) => s.iamId));
    return keys
      .filter((k) => !theirs || theirs.has(k.iamId))
      .map((k) => ({
        id: k.id,
        name: k.name,
        iamId: k.iamId,
        ...(k.createdBy ? { createdBy: k.createdBy } : {}),
        ...(k.createdAt ? { createdAt: k.createdAt } : {}),
        disabled: k.disabled,
        locked: k.locked,
      }));
  }

  /** Trusted profiles of the account with their creators: the same shared listing as the profile links. */
  async listTrustedProfiles(accountId: string, asker?: string): Promise<IbmTrustedProfile[]> {
    const profiles = await this.sdk.profileListings.list(accountId, asker, () => this.accountProfileLinks(accountId));
    return profiles.map((p) => ({ id: p.profileId, name: p.profileName, createdBy: p.createdBy, createdAt: p.createdAt }));
  }

  /** A service ID's sign-ins, which IBM computes only for a single read; undefined once it no longer exists. */
  async getServiceIdActivity(id: string): Promise<IbmActivity | undefined> {
    return this.call('get service ID', async () => {
      try {
        const { result } = await this.sdk.identity.getServiceId({ id, includeActivity: true });
        return { lastUsed: result.activity?.last_authn, useCount: result.activity?.authn_count ?? 0 };
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    });
  }

  /** Deletes the service ID and every API key of it; false when it was already gone. */
  async deleteServiceId(id: string, transactionId: string): Promise<boolean> {
    return this.changing([this.sdk.serviceIdListings, this.sdk.keyListings], this.account, () =>
      this.call('delete service ID', async () => {
        try {
          return await absentIs404(() => this.sdk.identity.deleteServiceId({ id, headers: { 'Transaction-Id': transactionId } }));
        } catch (err) {
          // IAM deletes the keys first and answers 409 when one could not go yet; IBM says a retry may help.
          if (statusOf(err) === 409) throw new RetryableError('delete service ID: IAM answered 409 (a key of it could not be deleted yet, or it is locked)');
          throw err;
        }
      }),
    );
  }

  /**
   * Asks IAM for a new report of the account's identities that have not signed in for `hours`;
   * answers its reference. IAM keeps only an account's latest report, so this replaces any other.
   */
  async createInactiveReport(accountId: string, hours: number): Promise<string> {
    const { result } = await this.call(
      'create activity report',
      () => this.sdk.identity.createReport({ accountId, type: 'inactive', duration: String(hours) }),
      accountId,
    );
    if (!result.reference) throw new RetryableError('create activity report: IAM answered without a reference');
    return result.reference;
  }

  /** The report as IAM holds it now: 204 while it is generating, 404 once it is not the latest (or never was). */
  async getInactiveReport(accountId: string, reference: string): Promise<IbmInactiveReport> {
    return this.call(
      'get activity report',
      async (): Promise<IbmInactiveReport> => {
        let res;
        try {
          res = await this.sdk.identity.getReport({ accountId, reference });
        } catch (err) {
          if (statusOf(err) === 404) return { state: 'unknown' };
          throw err;
        }
        if (res.status === 204 || !res.result || typeof res.result !== 'object') return { state: 'generating' };
        const r = res.result;
        const identities: IbmInactiveIdentity[] = [
          ...(r.users ?? []).map((u) => ({
            kind: 'user' as const,
            id: u.iam_id,
            name: u.name || u.username || u.iam_id,
            ...(u.email ? { email: u.email } : {}),
            lastAuthn: u.last_authn,
          })),
          ...(r.apikeys ?? []).map((k) =>
            k.type === 'serviceid'
              ? { kind: 'serviceid-apikey' as const, id: k.id, name: k.name ?? k.id, owner: k.serviceid?.name ?? k.serviceid?.id, lastAuthn: k.last_authn }
              : {
                  kind: 'user-apikey' as const,
                  id: k.id,
                  name: k.name ?? k.id,
                  owner: k.user?.name || k.user?.email || k.user?.iam_id,
                  ...(k.user?.email ? { email: k.user.email } : {}),
                  lastAuthn: k.last_authn,
                },
          ),
          ...(r.serviceids ?? []).map((s) => ({ kind: 'serviceid' as const, id: s.id, name: s.name ?? s.id, lastAuthn: s.last_authn })),
          ...(r.profiles ?? []).map((p) => ({ kind: 'profile' as const, id: p.id, name: p.name ?? p.id, lastAuthn: p.last_authn })),
        ];
        return { state: 'ready', reference: r.reference ?? reference, ...(r.report_end_time ? { endTime: r.report_end_time } : {}), identities };
      },
      accountId,
    );
  }

  /** A service ID by id, with its IAM id (what its API keys name), or undefined once it no longer exists. */
  async getServiceId(id: string): Promise<{ id: string; iamId: string; name: string; accountId: string } | undefined> {
    return this.call('get service ID', async () => {
      try {
        const { result } = await this.sdk.identity.getServiceId({ id });
        return { id: result.id, iamId: result.iam_id, name: result.name, accountId: result.account_id };
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    });
  }

  /**
   * The account the Resource Controller answers for: the one the bot's API key belongs to (it takes
   * no account parameter). From the key's details, read once per process.
   */
  async resourceControllerAccount(): Promise<string> {
    const { accountId } = await this.ownKeyDetails();
    if (!accountId) throw new PermanentError('IAM did not say which account IBMCLOUD_API_KEY belongs to');
    return accountId;
  }

  /** Every service credential of the account, without its secret; shared and resumed like the service IDs. */
  async listResourceKeys(accountId: string, asker?: string): Promise<IbmResourceKey[]> {
    await this.answeredByResourceController(accountId);
    return this.sdk.resourceKeyListings.list(accountId, asker, () =>
      startPager(async (start) => {
        const { result } = await this.call('list resource keys', () => this.sdk.resources.listResourceKeys({ limit: 100, start }), accountId);
        const items = (result.resources ?? []).flatMap((k) =>
          k.id && (k.account_id === undefined || k.account_id === accountId)
            ? [
                {
                  id: k.id,
                  name: k.name ?? k.id,
                  crn: k.crn,
                  createdBy: k.created_by,
                  createdAt: k.created_at,
                  sourceCrn: k.source_crn,
                  // Only the ids: the credentials' secret values are never copied out of the answer.
                  serviceIdCrn: stringOrUndefined(k.credentials?.iam_serviceid_crn),
                  apiKeyId: stringOrUndefined(k.credentials?.iam_apikey_id),
                },
              ]
            : [],
        );
        return { items, next: result.next_url };
      }),
    );
  }

  /** Every active or provisioning service instance of the account; shared and resumed like the service IDs. */
  async listResourceInstances(accountId: string, asker?: string): Promise<IbmResourceInstance[]> {
    await this.answeredByResourceController(accountId);
    return this.sdk.resourceInstanceListings.list(accountId, asker, () =>
      startPager(async (start) => {
        const { result } = await this.call('list resource instances', () => this.sdk.resources.listResourceInstances({ limit: 100, start }), accountId);
        const items = (result.resources ?? []).flatMap((i) =>
          i.id && (i.account_id === undefined || i.account_id === accountId)
            ? [
                {
                  id: i.id,
                  name: i.name ?? i.id,
                  crn: i.crn,
                  createdBy: i.created_by,
                  createdAt: i.created_at,
                  state: i.state,
                  resourceId: i.resource_id,
                  regionId: i.region_id,
                },
              ]
            : [],
        );
        return { items, next: result.next_url };
      }),
    );
  }

  /**
   * A new API key for `iamId` (a service ID) whose value IAM stores, so its owner collects it in the
   * console: only the key's id and time are read from the answer, never its value.
   */
  async createStoredApiKey(accountId: string, iamId: string, name: string, description: string, transactionId: string): Promise<IbmCreatedCredential> {
    // A key made is in no listing begun before: every key listing of the account is stale.
    return this.changing([this.sdk.keyListings], accountId, () =>
      this.call(
        'create API key',
        async () => {
          const { result } = await this.sdk.identity.createApiKey({
            accountId,
            iamId,
            name,
            description,
            storeValue: true,
            headers: { 'Transaction-Id': transactionId },
          });
          if (!result.id) throw new PermanentError(`IAM answered the creation of API key ${name} without its id`);
          return { id: result.id, name: result.name ?? name, createdAt: result.created_at ?? new Date().toISOString() };
        },
        accountId,
      ),
    );
  }

  /** The API keys of one identity (a service ID) named `name`, every page: what an earlier attempt may have created. */
  async apiKeysNamed(accountId: string, iamId: string, name: string): Promise<IbmCreatedCredential[]> {
    return this.allOf(
      tokenPager(async (pagetoken) => {
        const { result } = await this.call('list API keys', () => this.sdk.identity.listApiKeys({ accountId, iamId, pagesize: 100, pagetoken }), accountId);
        const items = (result.apikeys ?? []).flatMap((k) =>
          k.id && k.iam_id === iamId && k.name === name ? [{ id: k.id, name: k.name, createdAt: k.created_at ?? '' }] : [],
        );
        return { items, next: result.next };
      }),
    );
  }

  /** One service credential's instance, role and minted API key (never its secret); undefined once it no longer exists. */
  async getResourceKey(id: string): Promise<IbmResourceKeyDetail | undefined> {
    return this.call('get resource key', async () => {
      try {
        const { result: k } = await this.sdk.resources.getResourceKey({ id });
        if (!k.id || k.state === 'removed') return undefined;
        return {
          id: k.id,
          name: k.name ?? k.id,
          ...(k.source_crn ? { sourceCrn: k.source_crn } : {}),
          ...(stringOrUndefined(k.credentials?.iam_role_crn) ? { roleCrn: stringOrUndefined(k.credentials?.iam_role_crn) } : {}),
          ...(stringOrUndefined(k.credentials?.iam_apikey_id) ? { apiKeyId: stringOrUndefined(k.credentials?.iam_apikey_id) } : {}),
        };
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    });
  }

  /** The account's service credentials on `sourceCrn` named `name`, every page: what an earlier attempt may have created. */
  async resourceKeysNamed(sourceCrn: string, name: string): Promise<IbmCreatedCredential[]> {
    return this.allOf(
      startPager(async (start) => {
        const { result } = await this.call('list resource keys', () => this.sdk.resources.listResourceKeys({ name, limit: 100, start }));
        const items = (result.resources ?? []).flatMap((k) =>
          k.id && k.name === name && k.source_crn === sourceCrn && k.state !== 'removed' ? [{ id: k.id, name: k.name, createdAt: k.created_at ?? '' }] : [],
        );
        return { items, next: result.next_url };
      }),
    );
  }

  /** A new service credential on the instance, with the role: only its id and time are read from the answer, never its secret. */
  async createResourceKey(sourceCrn: string, name: string, roleCrn: string | undefined, transactionId: string): Promise<IbmCreatedCredential> {
    return this.call('create resource key', async () => {
      const { result } = await this.sdk.resources.createResourceKey({
        name,
        source: sourceCrn,
        ...(roleCrn ? { role: roleCrn } : {}),
        headers: { 'Transaction-Id': transactionId },
      });
      if (!result.id) throw new PermanentError(`Resource Controller answered the creation of service credential ${name} without its id`);
      return { id: result.id, name: result.name ?? name, createdAt: result.created_at ?? new Date().toISOString() };
    });
  }

  /** Deletes a service credential (and the API key IBM minted for it); false when it was already gone. */
  async deleteResourceKey(id: string, transactionId: string): Promise<boolean> {
    return this.call('delete resource key', () =>
      absentIs404(() => this.sdk.resources.deleteResourceKey({ id, headers: { 'Transaction-Id': transactionId } })),
    );
  }

  private async allOf<T>(pager: Pager<T>): Promise<T[]> {
    const items: T[] = [];
    while (pager.hasNext()) items.push(...(await pager.getNext()));
    return items;
  }

  /** Listing another account would silently answer for the key's own: refused, naming why. */
  private async answeredByResourceController(accountId: string): Promise<void> {
    const own = await this.resourceControllerAccount();
    if (own !== accountId) {
      throw new PermanentError(
        `Resource Controller answers only for account ${own}, the one IBMCLOUD_API_KEY belongs to, not for ${accountId}: its service credentials and instances cannot be listed`,
      );
    }
  }

  /**
   * The groups the user is a static member of; shared like the account-wide listings, narrowed to
   * the user. From the listing of every group they are in (`groupMemberships`) while none of those
   * has rules; otherwise asked of IAM on its own.
   */
  async listAccessGroups(accountId: string, iamId: string): Promise<IbmAccessGroup[]> {
    const memberships = await this.groupMemberships(accountId, iamId);
    if (!memberships.some((g) => g.federated)) return memberships.map(({ id, name }) => ({ id, name }));
    return this.sdk.groupListings.list(`${accountId}|${iamId}`, undefined, () =>
      onePage(async () => {
        const pager = new IamAccessGroupsV2.AccessGroupsPager(this.sdk.groups, { accountId, iamId, membershipType: 'static' });
        const groups = await this.allPages('list access groups', pager, accountId);
        return groups.filter((g) => g.id).map((g) => ({ id: g.id!, name: g.name ?? g.id! }));
      }),
    );
  }

  /**
   * Groups a rule makes the person a member of. They cannot be removed (only the rule, which
   * others match too, or the person's IdP claims could change), so they are reported as residual access.
   * None while no group the person is in has rules (`groupMemberships`).
   */
  async listDynamicMemberships(accountId: string, iamId: string): Promise<IbmDynamicMembership[]> {
    const memberships = await this.groupMemberships(accountId, iamId);
    if (!memberships.some((g) => g.federated)) return [];
    return this.sdk.dynamicGroupListings.list(`${accountId}|${iamId}`, undefined, () => onePage(() => this.dynamicMemberships(accountId, iamId)));
  }

  /**
   * Every group the user is a member of, added or by a rule (`membership_type=all`), each with
   * whether rules exist for it (`show_federated`): a group without rules holds its members only as
   * added. So while none has rules, this one listing says both which groups the person was added to
   * and that no rule makes them a member, where IAM would otherwise be asked each on its own: one
   * call instead of two for a person in no rule-based group, one more for a person in one. A group
   * IAM does not say has no rules counts as having some. The Public Access group, which holds
   * everyone and no one can leave, is left out.
   */
  private groupMemberships(accountId: string, iamId: string): Promise<{ id: string; name: string; federated: boolean }[]> {
    return this.sdk.membershipListings.list(`${accountId}|${iamId}`, undefined, () =>
      onePage(async () => {
        const pager = new IamAccessGroupsV2.AccessGroupsPager(this.sdk.groups, {
          accountId,
          iamId,
          membershipType: 'all',
          showFederated: true,
          hidePublicAccess: true,
        });
        const groups = await this.allPages('list access groups', pager, accountId);
        return groups.filter((g) => g.id).map((g) => ({ id: g.id!, name: g.name ?? g.id!, federated: g.is_federated !== false }));
      }),
    );
  }

  private async dynamicMemberships(accountId: string, iamId: string): Promise<IbmDynamicMembership[]> {
    const pager = new IamAccessGroupsV2.AccessGroupsPager(this.sdk.groups, { accountId, iamId, membershipType: 'dynamic' });
    const groups = await this.allPages('list dynamic access groups', pager, accountId);
    const memberships: IbmDynamicMembership[] = [];
    for (const g of groups) {
      if (!g.id) continue;
      // Not paged: IAM returns every rule of a group at once.
      const { result } = await this.call('list access group rules', () => this.sdk.groups.listAccessGroupRules({ accessGroupId: g.id! }), accountId);
      memberships.push({
        groupId: g.id,
        groupName: g.name ?? g.id,
        rules: (result.rules ?? []).map((r) => ({
          id: r.id ?? '',
          name: r.name ?? r.id ?? '',
          expirationHours: r.expiration,
          realmName: r.realm_name,
          conditions: (r.conditions ?? []).map((c) => ({ claim: c.claim, operator: c.operator, value: c.value })),
        })),
      });
    }
    return memberships;
  }

  /** Adds the user as a static member. False when the group no longer exists. */
  async addMemberToGroup(groupId: string, iamId: string, transactionId: string): Promise<boolean> {
    return this.changing([this.sdk.membershipListings, this.sdk.groupListings], this.account && `${this.account}|${iamId}`, () =>
      this.call('add to access group', async () => {
        let outcome;
        try {
          const res = await this.sdk.groups.addMembersToAccessGroup({ accessGroupId: groupId, members: [{ iam_id: iamId, type: 'user' }], transactionId });
          outcome = res.result.members?.find((m) => m.iam_id === iamId);
        } catch (err) {
          if (statusOf(err) === 404) return false;
          throw err;
        }
        // IAM answers 207: the outcome for the member is in the body.
        const status = outcome?.status_code ?? 0;
        if (status >= 200 && status < 300) return true;
        const reason = `add to access group: IBM Cloud answered ${status || 'nothing'} for ${iamId} (${redactedErrors(outcome?.errors) || 'no reason given'})`;
        if (status === 429 || status >= 500) throw new RetryableError(reason);
        throw new PermanentError(reason);
      }),
    );
  }

  /** Per-group outcome; an empty list means the member was in no group. Static memberships only: the rule-based ones stay, and stay listed. */
  async removeFromAllAccessGroups(accountId: string, iamId: string, transactionId: string): Promise<GroupRemoval[]> {
    return this.changing([this.sdk.membershipListings, this.sdk.groupListings], `${accountId}|${iamId}`, () =>
      this.call(
        'remove from all access groups',
        async () => {
          try {
            const res = await this.sdk.groups.removeMemberFromAllAccessGroups({ accountId, iamId, transactionId });
            return (res.result.groups ?? []).map((g) => ({
              groupId: g.access_group_id ?? '',
              status: g.status_code ?? 0,
              error: g.errors?.map((e) => e.message).join('; ') || undefined,
            }));
          } catch (err) {
            if (statusOf(err) === 404) return [];
            throw err;
          }
        },
        accountId,
      ),
    );
  }

  /** The user's direct policies; shared like the account-wide listings, narrowed to the user. */
  async listDirectPolicies(accountId: string, iamId: string): Promise<IbmPolicy[]> {
    return this.sdk.policyListings.list(`${accountId}|${iamId}`, undefined, () => onePage(() => this.directPolicies(accountId, iamId)));
  }

  private async directPolicies(accountId: string, iamId: string): Promise<IbmPolicy[]> {
    const pager = new IamPolicyManagementV1.V2PoliciesPager(this.sdk.policies, { accountId, iamId });
    const policies = await this.allPages('list policies', pager, accountId);
    return policies
      .filter((p) => p.id && p.subject?.attributes?.some((a) => a.key === 'iam_id' && a.value === iamId))
      .map((p) => ({
        id: p.id!,
        ...(p.created_by_id ? { grantedBy: p.created_by_id } : {}),
        roles: roleNames(p.control),
        resource: (p.resource?.attributes ?? []).map((a) => `${a.key}=${String(a.value)}`).join(', ') || 'account',
        document: policyDocument(p as unknown as IbmPolicyDocument),
      }));
  }

  /**
   * Creates the policy again under a new id. A 409 `policy_conflict_error` means IAM already holds
   * the same grant (a retry after a lost answer, or someone re-granted it): its policy is returned.
   */
  async createPolicy(document: IbmPolicyDocument, transactionId: string, holder?: string): Promise<PolicyCreation> {
    return this.changing([this.sdk.policyListings], this.policyKey(holder), () =>
      this.call('create policy', async () => {
        const doc = policyDocument(document);
        try {
          const { result } = await this.sdk.policies.createV2Policy({
            ...(doc as unknown as IamPolicyManagementV1.CreateV2PolicyParams),
            headers: { 'Transaction-Id': transactionId },
          });
          return { id: result.id!, created: true };
        } catch (err) {
          const existing = statusOf(err) === 409 ? conflictingPolicyId(err) : undefined;
          if (existing) return { id: existing, created: false };
          throw err;
        }
      }),
    );
  }

  /** `holder`: the IAM id the policy is granted to, where the caller knows (only their policy listing goes stale). */
  async deletePolicy(id: string, transactionId: string, holder?: string): Promise<boolean> {
    return this.changing([this.sdk.policyListings], this.policyKey(holder), () =>
      this.call('delete policy', () => absentIs404(() => this.sdk.policies.deleteV2Policy({ id, headers: { 'Transaction-Id': transactionId } }))),
    );
  }

  /**
   * A change of what `listings` show under `key` (an account, or `account|person` for what is
   * narrowed to one person; every account, when the call names none): once it is answered, or has
   * failed (its answer may be lost), no listing begun before answers anyone; with `owner`, no one
   * who asks for that owner's items (`ResumableListing.changedFor`).
   */
  private async changing<T>(listings: ResumableListing<unknown>[], key: string | undefined, change: () => Promise<T>, owner?: string): Promise<T> {
    try {
      return await change();
    } finally {
      for (const listing of listings) {
        if (key && owner !== undefined) listing.changedFor(key, owner);
        else if (key) listing.changed(key);
        else listing.changedEverywhere();
      }
    }
  }

  /** The policy listings a change of `holder`'s policy makes stale: theirs in this account, else the account's, else every account's. */
  private policyKey(holder: string | undefined): string | undefined {
    return this.account && holder ? `${this.account}|${holder}` : this.account;
  }

  /** Every page of an SDK pager, each page a call of its own (counted, and charged to the budget). */
  private async allPages<T>(operation: string, pager: Pager<T>, account: string): Promise<T[]> {
    const pages = this.counted(operation, pager, account);
    const items: T[] = [];
    while (pages.hasNext()) items.push(...(await pages.getNext()));
    return items;
  }

  /** The pager with each page fetched through `call`. */
  private counted<T>(operation: string, pager: Pager<T>, account: string): Pager<T> {
    return { hasNext: () => pager.hasNext(), getNext: () => this.call(operation, () => pager.getNext(), account) };
  }

  /**
   * Counted by outcome: `ok`, IBM's HTTP status, `error` for a refusal we raised ourselves,
   * `network` when no answer came. Every answer's text (names and descriptions of keys, groups,
   * policies, profiles) is made well-formed here, once, before anything records or shows it.
   */
  private async call<T>(operation: string, fn: () => Promise<T>, account = this.account): Promise<T> {
    // A refusal here is ours, not IBM's: the call was never made.
    if (account) this.checkHold(account);
    // A read-back (or a re-scan) takes from the read-backs' share of the budget too.
    if (this.budget && account) await this.budget.take(account, readsFresh() ? 'read-back' : 'action');
    try {
      const result = wellFormedDeep(await fn());
      this.metrics?.systemCalls.inc({ system: 'ibm-cloud', operation, status: 'ok' });
      return result;
    } catch (err) {
      const own = err instanceof RetryableError || err instanceof PermanentError;
      const status = statusOf(err);
      this.metrics?.systemCalls.inc({ system: 'ibm-cloud', operation, status: String(status ?? (own ? 'error' : 'network')) });
      const classified = classifyIbmError(operation, err);
      if (status === 429 && account && classified instanceof RetryableError && classified.retryAfterMs) await this.hold(account, classified.retryAfterMs);
      throw classified;
    }
  }

  /**
   * IBM answered 429 with a Retry-After in `account`: no call of this process goes to that account
   * before then, nor (with IBMCLOUD_MAX_RPS) any other worker's, whose shared budget has no slot
   * before then. Without it, every other step at work in the account would meet its own 429 first.
   */
  private async hold(account: string, ms: number): Promise<void> {
    const until = Date.now() + ms;
    if (until > (this.sdk.holds.get(account) ?? 0)) this.sdk.holds.set(account, until);
    try {
      await this.budget?.hold(account, ms);
    } catch {
      // The step is retried after the Retry-After anyway; only the other workers' calls go unwarned.
    }
  }

  /** A call into a held account is not made: the caller goes back to its queue (a delayed job, no attempt spent), told when the hold ends. */
  private checkHold(account: string): void {
    const until = this.sdk.holds.get(account);
    if (until === undefined) return;
    const left = until - Date.now();
    if (left <= 0) this.sdk.holds.delete(account);
    else throw new RateLimitedError(`IBM Cloud asked the bot to wait before its next call in account ${account} (429 with Retry-After)`, left);
  }
}

/** The SDK services and the listings shared by a client and its per-account views. */
interface Services {
  authenticator: IamAuthenticator;
  users: UserManagementV1;
  identity: IamIdentityV1;
  groups: IamAccessGroupsV2;
  policies: IamPolicyManagementV1;
  accounts: AccountManagementV4;
  resources: ResourceControllerV2;
  userListings: ResumableListing<UserManagementV1.UserProfile>;
  /** Every API key of an account under its id; a read-back's listing of one kind under `account|type=…`. */
  keyListings: ResumableListing<AccountApiKey>;
  profileListings: ResumableListing<AccountProfile>;
  serviceIdListings: ResumableListing<IbmServiceId>;
  resourceKeyListings: ResumableListing<IbmResourceKey>;
  resourceInstanceListings: ResumableListing<IbmResourceInstance>;
  owners: ResumableListing<string>;
  membershipListings: ResumableListing<IbmAccessGroup & { federated: boolean }>;
  groupListings: ResumableListing<IbmAccessGroup>;
  dynamicGroupListings: ResumableListing<IbmDynamicMembership>;
  policyListings: ResumableListing<IbmPolicy>;
  /** The details of IBMCLOUD_API_KEY (its id, owner and account), once asked: see `ownKeyDetails`. */
  ownKey?: Promise<{ id?: string; iamId?: string; accountId?: string }>;
  vpcReviews?: VpcReviews;
  /** Per account, until when (epoch ms) IBM asked this process to make no call there: see `hold`. */
  holds: Map<string, number>;
}

interface AccountProfile {
  profileId: string;
  profileName: string;
  createdBy?: string;
  createdAt?: string;
  users: { iamId: string; accounts?: string[]; description?: string }[];
}

function services(cfg: IbmCloudClientSettings): Services {
  const authenticator = new IamAuthenticator({ apikey: cfg.apiKey, url: cfg.iamUrl });
  const common = { authenticator, timeout: cfg.timeoutMs };
  return {
    authenticator,
    users: new UserManagementV1({ ...common, serviceUrl: cfg.userManagementUrl }),
    identity: new IamIdentityV1({ ...common, serviceUrl: cfg.iamIdentityUrl }),
    groups: new IamAccessGroupsV2({ ...common, serviceUrl: cfg.accessGroupsUrl }),
    policies: new IamPolicyManagementV1({ ...common, serviceUrl: cfg.policyManagementUrl }),
    accounts: new AccountManagementV4({ ...common, serviceUrl: cfg.accountManagementUrl }),
    resources: new ResourceControllerV2({ ...common, serviceUrl: cfg.resourceControllerUrl }),
    userListings: new ResumableListing(KEEP_FAILED_LISTING_MS, LISTING_MAX_AGE_MS),
    keyListings: new ResumableListing(KEEP_FAILED_LISTING_MS, LISTING_MAX_AGE_MS),
    profileListings: new ResumableListing(KEEP_FAILED_LISTING_MS, LISTING_MAX_AGE_MS),
    serviceIdListings: new ResumableListing(KEEP_FAILED_LISTING_MS, LISTING_MAX_AGE_MS),
    resourceKeyListings: new ResumableListing(KEEP_FAILED_LISTING_MS, LISTING_MAX_AGE_MS),
    resourceInstanceListings: new ResumableListing(KEEP_FAILED_LISTING_MS, LISTING_MAX_AGE_MS),
    owners: new ResumableListing(KEEP_FAILED_LISTING_MS, LISTING_MAX_AGE_MS),
    membershipListings: new ResumableListing(KEEP_FAILED_LISTING_MS, LISTING_MAX_AGE_MS),
    groupListings: new ResumableListing(KEEP_FAILED_LISTING_MS, LISTING_MAX_AGE_MS),
    dynamicGroupListings: new ResumableListing(KEEP_FAILED_LISTING_MS, LISTING_MAX_AGE_MS),
    policyListings: new ResumableListing(KEEP_FAILED_LISTING_MS, LISTING_MAX_AGE_MS),
    holds: new Map(),
  };
}

/** An API key as the account-wide listing gives it: a user's or a service ID's, told by `iamId`. */
export interface AccountApiKey {
  id: string;
  iamId: string;
  name: string;
  disabled: boolean;
  locked: boolean;
  createdAt?: string;
  createdBy?: string;
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

function redactedErrors(errors: { message?: string }[] | undefined): string {
  return redact(
    (errors ?? [])
      .map((e) => e.message)
      .filter(Boolean)
      .join('; '),
  );
}

/** IAM Identity pages by an opaque token carried in the `next` link. */
function nextPageToken(next: string | undefined): string | undefined {
  return next ? (new URL(next, 'http://x').searchParams.get('pagetoken') ?? undefined) : undefined;
}

/** A Pager over IAM Identity's token paging: a page that fails keeps the token, to be asked again. */
function tokenPager<T>(page: (pagetoken: string | undefined) => Promise<{ items: T[]; next?: string }>): Pager<T> {
  let token: string | undefined;
  let more = true;
  return {
    hasNext: () => more,
    async getNext() {
      const { items, next } = await page(token);
      token = nextPageToken(next);
      more = token !== undefined;
      return items;
    },
  };
}

/** Resource Controller pages by a `start` token carried in a relative `next_url` (null on the last page). */
function startPager<T>(page: (start: string | undefined) => Promise<{ items: T[]; next?: string | null }>): Pager<T> {
  let start: string | undefined;
  let more = true;
  return {
    hasNext: () => more,
    async getNext() {
      const { items, next } = await page(start);
      start = next ? (new URL(next, 'http://x').searchParams.get('start') ?? undefined) : undefined;
      more = start !== undefined;
      return items;
    },
  };
}

/**
 * Who created an entity IAM gives no `created_by` for: the IAM id of the earliest record of its
 * history (by timestamp; IBM's action names are not documented, so they are not relied on).
 */
function creation(history: { timestamp: string; iam_id: string }[] | undefined, createdAt: string | undefined): { createdBy?: string; createdAt?: string } {
  const earliest = [...(history ?? [])].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))[0];
  return { ...(earliest?.iam_id ? { createdBy: earliest.iam_id } : {}), ...(createdAt ? { createdAt } : {}) };
}

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function roleNames(control: unknown): string[] {
  // ControlResponse is a union; only the grant form carries roles.
  const roles = (control as { grant?: { roles?: { role_id: string }[] } } | undefined)?.grant?.roles ?? [];
  return roles.map((r) => r.role_id.split(':').pop() ?? r.role_id);
}

function statusOf(err: unknown): number | undefined {
  return (err as { status?: number } | null)?.status;
}
