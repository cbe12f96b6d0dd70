/**
 * The reference the bot is measured against: what an admin's script does, one person at a time,
 * with the same IBM SDK and nothing of the bot. For each account it finds the person's user
 * records by email, deletes their API keys, takes them out of every access group, deletes their
 * direct policies and removes them from the account; then it reads back, polling, until IBM
 * confirms it: each deleted key by id, groups and policies filtered by IAM id, the membership.
 * `remove` and `verify` are the two halves apart, for counting the calls of removal and of one
 * verification pass (bench/calls.ts).
 * It reads back as cheaply as IBM allows, so the bot is compared with a fast script, not a slow
 * one. No Slack, no queue, no evidence.
 */
import { IamAuthenticator } from '@ibm-cloud/platform-services/auth';
import IamAccessGroupsV2 from '@ibm-cloud/platform-services/iam-access-groups/v2';
import IamIdentityV1 from '@ibm-cloud/platform-services/iam-identity/v1';
import IamPolicyManagementV1 from '@ibm-cloud/platform-services/iam-policy-management/v1';
import UserManagementV1 from '@ibm-cloud/platform-services/user-management/v1';

export interface ScriptTarget {
  url: string;
  apiKey: string;
  accountIds: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function sequentialScript(target: ScriptTarget) {
  const authenticator = new IamAuthenticator({ apikey: target.apiKey, url: target.url });
  const common = { authenticator, serviceUrl: target.url };
  const users = new UserManagementV1(common);
  const identity = new IamIdentityV1(common);
  const groups = new IamAccessGroupsV2(common);
  const policies = new IamPolicyManagementV1(common);

  async function iamIdsOf(accountId: string, email: string): Promise<string[]> {
    const all = await new UserManagementV1.UsersPager(users, { accountId }).getAll();
    return all.filter((u) => u.email?.toLowerCase() === email.toLowerCase() && u.iam_id).map((u) => u.iam_id!);
  }

  async function keysOf(accountId: string, iamId: string): Promise<string[]> {
    const ids: string[] = [];
    let pagetoken: string | undefined;
    do {
      const { result } = await identity.listApiKeys({ accountId, scope: 'account', type: 'user', pagesize: 100, pagetoken });
      ids.push(...(result.apikeys ?? []).filter((k) => k.iam_id === iamId).map((k) => k.id));
      pagetoken = result.next ? (new URL(result.next).searchParams.get('pagetoken') ?? undefined) : undefined;
    } while (pagetoken);
    return ids;
  }

  async function policiesOf(accountId: string, iamId: string): Promise<string[]> {
    const all = await new IamPolicyManagementV1.V2PoliciesPager(policies, { accountId, iamId }).getAll();
    return all.map((p) => p.id!).filter(Boolean);
  }

  async function groupsOf(accountId: string, iamId: string): Promise<string[]> {
    const all = await new IamAccessGroupsV2.AccessGroupsPager(groups, { accountId, iamId, membershipType: 'static' }).getAll();
    return all.map((g) => g.id!).filter(Boolean);
  }

  async function exists(get: () => Promise<unknown>): Promise<boolean> {
    try {
      await get();
      return true;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return false;
      throw err;
    }
  }

  /** What `remove` took away, for the read-backs. */
  interface Removed {
    accountId: string;
    iamId: string;
    keys: string[];
  }

  /** Everything of `removed` that IBM still shows: one read-back of each item, no waiting. */
  async function leftOf(removed: Removed[]): Promise<number> {
    let left = 0;
    for (const { accountId, iamId, keys } of removed) {
      for (const id of keys) if (await exists(() => identity.getApiKey({ id }))) left++;
      left += (await policiesOf(accountId, iamId)).length + (await groupsOf(accountId, iamId)).length;
      if (await exists(() => users.getUserProfile({ accountId, iamId }))) left++;
    }
    return left;
  }

  return {
    /** Removes one person from every account and returns what it removed, without reading back. */
    async remove(email: string): Promise<Removed[]> {
      const found: Removed[] = [];
      for (const accountId of target.accountIds) {
        for (const iamId of await iamIdsOf(accountId, email)) {
          const keys = await keysOf(accountId, iamId);
          found.push({ accountId, iamId, keys });
          for (const id of keys) await identity.deleteApiKey({ id });
          try {
            await groups.removeMemberFromAllAccessGroups({ accountId, iamId });
          } catch (err) {
            if ((err as { status?: number }).status !== 404) throw err;
          }
          for (const id of await policiesOf(accountId, iamId)) await policies.deleteV2Policy({ id });
          await users.removeUser({ accountId, iamId });
        }
      }
      return found;
    },
    /** One verification pass over what `remove` removed: how many items IBM still shows. */
    verify: leftOf,
    /** Offboards one person and returns once IBM reads back that nothing is left (polling, backing off). */
    async offboard(email: string): Promise<void> {
      const found = await this.remove(email);
      for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
        if ((await leftOf(found)) === 0) return;
        await sleep(wait);
      }
    },
  };
}
