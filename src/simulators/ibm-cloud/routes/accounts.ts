import { requireAccount, type RouteContext, type SimResponse } from '../http.js';
import type { Route } from '../router.js';

/** Account Management v4 `getAccount`: who owns the account (the owner cannot be removed from it). */
function getAccount(ctx: RouteContext): SimResponse {
  const accountId = ctx.params.account_id!;
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const account = ctx.state.account(accountId)!;
  const owner = ctx.state.users.map((u) => u.value).find((u) => u.account_id === accountId && u.iam_id === account.owner_iam_id);
  return {
    status: 200,
    body: {
      name: account.name,
      id: account.id,
      owner: owner?.email ?? '',
      owner_userid: owner?.user_id ?? '',
      owner_iamid: account.owner_iam_id,
      type: 'TRIAL',
      status: 'ACTIVE',
      linked_softlayer_account: '',
      team_directory_enabled: true,
      traits: { eu_supported: false, poc: false, hippa: false },
    },
  };
}

export const accountRoutes: Route[] = [{ method: 'GET', pattern: '/v4/accounts/:account_id', handler: getAccount }];
