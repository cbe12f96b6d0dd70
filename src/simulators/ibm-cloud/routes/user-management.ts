import {
  decodePageToken,
  encodePageToken,
  ibmError,
  intParam,
  requireAccount,
  servedPageSize,
  withQuery,
  type RouteContext,
  type SimResponse,
} from '../http.js';
import type { Route } from '../router.js';
import { alive } from '../state.js';
import type { SimUser } from '../types.js';

/** Search fields the User Management API accepts, mapped to profile fields. */
const SEARCH_FIELDS: Record<string, keyof SimUser | 'substate'> = {
  firstname: 'firstname',
  lastname: 'lastname',
  email: 'email',
  state: 'state',
  substate: 'substate',
  iam_id: 'iam_id',
  realm: 'realm',
  userId: 'user_id',
  user_id: 'user_id',
};

type Term = { field: keyof SimUser | 'substate'; value: string };

/**
 * `search=email:jane@x,state:ACTIVE`: terms are ORed; each is a substring match, as IBM documents
 * ("additional substring search fields"). IBM does not say whether the match ignores letter case;
 * the simulator ignores it, since IBM stores emails in the case they were invited with.
 */
function parseSearch(search: string): Term[] | 'invalid' {
  const terms: Term[] = [];
  for (const part of search.split(',')) {
    const i = part.indexOf(':');
    if (i <= 0) return 'invalid';
    const field = SEARCH_FIELDS[part.slice(0, i).trim()];
    if (!field) return 'invalid';
    terms.push({
      field,
      value: part
        .slice(i + 1)
        .trim()
        .toLowerCase(),
    });
  }
  return terms;
}

function matches(user: SimUser, terms: Term[]): boolean {
  return terms.some((t) => {
    const v = t.field === 'substate' ? undefined : user[t.field];
    return typeof v === 'string' && v.toLowerCase().includes(t.value);
  });
}

/**
 * The account's user records that reads see: a record removed moments ago stays visible for the
 * consistency delay, unless the same user has since been invited again.
 */
function visibleUsers(ctx: RouteContext, accountId: string): SimUser[] {
  const inAccount = ctx.state.users.filter((u) => u.value.account_id === accountId);
  const live = new Set(inAccount.filter(alive).map((u) => u.value.iam_id));
  return inAccount.filter((u) => ctx.state.visible(u, ctx.now) && (alive(u) || !live.has(u.value.iam_id))).map((u) => u.value);
}

function listUsers(ctx: RouteContext): SimResponse {
  const accountId = ctx.params.account_id!;
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const limit = intParam(ctx.query, 'limit', 1, 100);
  if (limit === 'invalid') return ibmError(400, 'limit must be an integer between 1 and 100.', ctx.transactionId);
  const pageSize = servedPageSize(ctx, limit, 100);
  const start = decodePageToken(ctx.query.get('_start'));
  if (start === 'invalid') return ibmError(400, 'The _start token is not valid.', ctx.transactionId);
  const search = ctx.query.get('search');
  const terms = search ? parseSearch(search) : [];
  if (terms === 'invalid') {
    return ibmError(400, `Invalid search query "${search}": use field:value terms separated by ",".`, ctx.transactionId);
  }
  const userId = ctx.query.get('user_id');

  const all = visibleUsers(ctx, accountId)
    .filter((u) => terms.length === 0 || matches(u, terms))
    .filter((u) => !userId || u.user_id.toLowerCase() === userId.toLowerCase());

  const page = all.slice(start, start + pageSize);
  const path = `/v2/accounts/${accountId}/users`;
  const common = { limit: pageSize, search: search ?? undefined, user_id: userId ?? undefined };
  return {
    status: 200,
    body: {
      total_results: all.length,
      limit: pageSize,
      first_url: withQuery(path, common),
      ...(start + pageSize < all.length ? { next_url: withQuery(path, { ...common, _start: encodePageToken(start + pageSize) }) } : {}),
      resources: page.map((u) => structuredClone(u)),
    },
  };
}

function liveUser(ctx: RouteContext) {
  const { account_id: accountId, iam_id: iamId } = ctx.params;
  return ctx.state.users.find((u) => alive(u) && u.value.account_id === accountId && u.value.iam_id === iamId);
}

function notMember(ctx: RouteContext): SimResponse {
  return ibmError(404, `User ${ctx.params.iam_id} is not a member of account ${ctx.params.account_id}.`, ctx.transactionId, 'user_not_found');
}

function getUserProfile(ctx: RouteContext): SimResponse {
  const accountId = ctx.params.account_id!;
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const user = visibleUsers(ctx, accountId).find((u) => u.iam_id === ctx.params.iam_id);
  return user ? { status: 200, body: structuredClone(user) } : notMember(ctx);
}

function removeUser(ctx: RouteContext): SimResponse {
  const accountId = ctx.params.account_id!;
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const user = liveUser(ctx);
  if (!user) return notMember(ctx);
  if (ctx.state.account(accountId)?.owner_iam_id === user.value.iam_id) {
    return ibmError(
      400,
      `User ${user.value.iam_id} is the owner of account ${accountId} and cannot be removed. Transfer account ownership first.`,
      ctx.transactionId,
      'account_owner_cannot_be_removed',
    );
  }
  ctx.state.removeUserFromAccount(user, ctx.now);
  return { status: 204 };
}

export const userManagementRoutes: Route[] = [
  { method: 'GET', pattern: '/v2/accounts/:account_id/users', handler: listUsers },
  { method: 'GET', pattern: '/v2/accounts/:account_id/users/:iam_id', handler: getUserProfile },
  { method: 'DELETE', pattern: '/v2/accounts/:account_id/users/:iam_id', handler: removeUser },
];
