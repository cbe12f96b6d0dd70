import { ibmError, requireAccount, type RouteContext, type SimResponse } from '../http.js';
import type { Route } from '../router.js';
import type { GroupInfo } from '../state.js';
import { offsetPage } from './offset-page.js';

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
    // IBM says it only when asked (`show_federated=true`): true when rules exist for the group.
    ...(ctx.query.get('show_federated') === 'true' ? { is_federated: g.is_federated || ctx.state.rules.some((r) => r.access_group_id === g.id) } : {}),
  };
}

export const MEMBERSHIP_TYPES = ['static', 'dynamic', 'all'];

function listAccessGroups(ctx: RouteContext): SimResponse {
  const accountId = ctx.query.get('account_id');
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const iamId = ctx.query.get('iam_id');
  // IBM asks for membership_type together with iam_id; the simulator defaults it to `static`.
  const membershipType = ctx.query.get('membership_type') ?? 'static';
  if (!MEMBERSHIP_TYPES.includes(membershipType)) {
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
  return offsetPage(ctx, '/v2/groups', 'groups', groups, (g) => groupBody(ctx, g));
}

function groupNotFound(ctx: RouteContext): SimResponse {
  return ibmError(404, `Access group ${ctx.params.access_group_id} not found.`, ctx.transactionId, 'group_not_found');
}

/** Not paged: the SDK's `listAccessGroupRules` takes no page parameters and `RulesList` has no links. */
function listAccessGroupRules(ctx: RouteContext): SimResponse {
  if (!ctx.state.group(ctx.params.access_group_id!)) return groupNotFound(ctx);
  const rules = ctx.state.rules.filter((r) => r.access_group_id === ctx.params.access_group_id);
  return { status: 200, body: { rules: structuredClone(rules) } };
}

function getAccessGroupRule(ctx: RouteContext): SimResponse {
  if (!ctx.state.group(ctx.params.access_group_id!)) return groupNotFound(ctx);
  const rule = ctx.state.rules.find((r) => r.access_group_id === ctx.params.access_group_id && r.id === ctx.params.rule_id);
  return rule
    ? { status: 200, body: structuredClone(rule) }
    : ibmError(404, `Rule ${ctx.params.rule_id} not found in access group ${ctx.params.access_group_id}.`, ctx.transactionId, 'rule_not_found');
}

export const accessGroupRoutes: Route[] = [
  { method: 'GET', pattern: '/v2/groups', handler: listAccessGroups },
  { method: 'GET', pattern: '/v2/groups/:access_group_id/rules', handler: listAccessGroupRules },
  { method: 'GET', pattern: '/v2/groups/:access_group_id/rules/:rule_id', handler: getAccessGroupRule },
];
