import { ibmError, intParam, requireAccount, withQuery, type RouteContext, type SimResponse } from '../http.js';
import type { Route } from '../router.js';
import { alive, type GroupInfo, type StoredMembership } from '../state.js';

function groupBody(ctx: RouteContext, g: GroupInfo) {
  return {
    id: g.id,
    name: g.name,
    ...(g.description !== undefined ? { description: g.description } : {}),
    account_id: g.account_id,
    created_at: g.created_at,
    created_by_id: g.created_by_id,
    last_modified_at: g.last_modified_at,
    last_modified_by_id: g.last_modified_by_id,
    href: `${ctx.baseUrl}/v2/groups/${g.id}`,
    is_federated: g.is_federated,
  };
}

function listAccessGroups(ctx: RouteContext): SimResponse {
  const accountId = ctx.query.get('account_id');
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const limit = intParam(ctx.query, 'limit', 1, 100);
  const offset = intParam(ctx.query, 'offset', 0, Number.MAX_SAFE_INTEGER);
  if (limit === 'invalid' || offset === 'invalid') {
    return ibmError(400, 'limit must be 1-100 and offset a non-negative integer.', ctx.transactionId, 'invalid_parameter');
  }
  const iamId = ctx.query.get('iam_id');
  // IBM asks for membership_type together with iam_id; the simulator defaults it to `static`.
  const membershipType = ctx.query.get('membership_type') ?? 'static';
  if (!['static', 'dynamic', 'all'].includes(membershipType)) {
    return ibmError(400, 'membership_type must be static, dynamic or all.', ctx.transactionId, 'invalid_parameter');
  }
  const search = ctx.query.get('search')?.toLowerCase();
  const isMember = (g: GroupInfo) =>
    ctx.state.memberships.some(
      (m) =>
        m.groupId === g.id &&
        m.value.iam_id === iamId &&
        (membershipType === 'all' || m.value.membership_type === membershipType) &&
        ctx.state.visible(m, ctx.now),
    );
  let groups = ctx.state.groups
    .filter((g) => g.account_id === accountId)
    .filter((g) => !iamId || isMember(g))
    .filter((g) => !search || g.name.toLowerCase().includes(search) || (g.description ?? '').toLowerCase().includes(search));
  if (ctx.query.get('sort') === 'name') groups = [...groups].sort((a, b) => a.name.localeCompare(b.name));

  const size = limit ?? 50;
  const from = offset ?? 0;
  const base: Record<string, string> = {};
  ctx.query.forEach((v, k) => {
    if (k !== 'offset' && k !== 'limit') base[k] = v;
  });
  const href = (o: number) => ({ href: ctx.baseUrl + withQuery('/v2/groups', { ...base, limit: size, offset: o }) });
  const lastOffset = groups.length === 0 ? 0 : Math.floor((groups.length - 1) / size) * size;
  return {
    status: 200,
    body: {
      limit: size,
      offset: from,
      total_count: groups.length,
      first: href(0),
      ...(from > 0 ? { previous: href(Math.max(0, from - size)) } : {}),
      ...(from + size < groups.length ? { next: href(from + size) } : {}),
      last: href(lastOffset),
      groups: groups.slice(from, from + size).map((g) => groupBody(ctx, g)),
    },
  };
}

/** 207 with one entry per group; only static memberships are removed (rules keep dynamic ones). */
function removeMemberFromAllGroups(ctx: RouteContext): SimResponse {
  const accountId = ctx.query.get('account_id');
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const iamId = ctx.params.iam_id!;
  const targets = ctx.state.memberships.filter(
    (m) =>
      alive(m) &&
      m.value.iam_id === iamId &&
      m.value.membership_type === 'static' &&
      ctx.state.group(m.groupId)?.account_id === accountId,
  );
  if (targets.length === 0) {
    return ibmError(404, `Member ${iamId} was not found in any access group of account ${accountId}.`, ctx.transactionId, 'member_not_found');
  }
  for (const m of targets) ctx.state.markDeleted(m, ctx.now);
  return {
    status: 207,
    body: {
      iam_id: iamId,
      groups: targets.map((m) => ({ access_group_id: m.groupId, status_code: 204, trace: ctx.transactionId })),
    },
  };
}

function findMembership(ctx: RouteContext, pred: (m: StoredMembership) => boolean): StoredMembership | undefined {
  return ctx.state.memberships.find(
    (m) => m.groupId === ctx.params.access_group_id && m.value.iam_id === ctx.params.iam_id && pred(m),
  );
}

function memberNotFound(ctx: RouteContext): SimResponse {
  return ibmError(
    404,
    `Member ${ctx.params.iam_id} was not found in access group ${ctx.params.access_group_id}.`,
    ctx.transactionId,
    'member_not_found',
  );
}

function isMemberOfAccessGroup(ctx: RouteContext): SimResponse {
  if (!ctx.state.group(ctx.params.access_group_id!)) return ibmError(404, 'Access group not found.', ctx.transactionId, 'group_not_found');
  return findMembership(ctx, (m) => ctx.state.visible(m, ctx.now)) ? { status: 204 } : memberNotFound(ctx);
}

function removeMemberFromAccessGroup(ctx: RouteContext): SimResponse {
  if (!ctx.state.group(ctx.params.access_group_id!)) return ibmError(404, 'Access group not found.', ctx.transactionId, 'group_not_found');
  const m = findMembership(ctx, (x) => alive(x) && x.value.membership_type === 'static');
  if (!m) return memberNotFound(ctx);
  ctx.state.markDeleted(m, ctx.now);
  return { status: 204 };
}

export const accessGroupRoutes: Route[] = [
  { method: 'GET', pattern: '/v2/groups', handler: listAccessGroups },
  { method: 'DELETE', pattern: '/v2/groups/_allgroups/members/:iam_id', handler: removeMemberFromAllGroups },
  { method: 'HEAD', pattern: '/v2/groups/:access_group_id/members/:iam_id', handler: isMemberOfAccessGroup },
  { method: 'DELETE', pattern: '/v2/groups/:access_group_id/members/:iam_id', handler: removeMemberFromAccessGroup },
];
