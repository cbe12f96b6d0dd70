import { ibmError, requireAccount, type RouteContext, type SimResponse } from '../http.js';
import type { Route } from '../router.js';
import { alive, type StoredMembership } from '../state.js';
import type { SimGroupMember } from '../types.js';
import { MEMBERSHIP_TYPES } from './access-groups.js';
import { offsetPage } from './offset-page.js';

function groupNotFound(ctx: RouteContext): SimResponse {
  return ibmError(404, `Access group ${ctx.params.access_group_id} not found.`, ctx.transactionId, 'group_not_found');
}

/** 207 with one entry per group; only static memberships are removed (rules keep dynamic ones). */
function removeMemberFromAllGroups(ctx: RouteContext): SimResponse {
  const accountId = ctx.query.get('account_id');
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const iamId = ctx.params.iam_id!;
  const targets = ctx.state.memberships.filter(
    (m) => alive(m) && m.value.iam_id === iamId && m.value.membership_type === 'static' && ctx.state.group(m.groupId)?.account_id === accountId,
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
  return ctx.state.memberships.find((m) => m.groupId === ctx.params.access_group_id && m.value.iam_id === ctx.params.iam_id && pred(m));
}

function memberNotFound(ctx: RouteContext): SimResponse {
  return ibmError(404, `Member ${ctx.params.iam_id} was not found in access group ${ctx.params.access_group_id}.`, ctx.transactionId, 'member_not_found');
}

function isMemberOfAccessGroup(ctx: RouteContext): SimResponse {
  if (!ctx.state.group(ctx.params.access_group_id!)) return groupNotFound(ctx);
  return findMembership(ctx, (m) => ctx.state.visible(m, ctx.now)) ? { status: 204 } : memberNotFound(ctx);
}

function removeMemberFromAccessGroup(ctx: RouteContext): SimResponse {
  if (!ctx.state.group(ctx.params.access_group_id!)) return groupNotFound(ctx);
  const m = findMembership(ctx, (x) => alive(x) && x.value.membership_type === 'static');
  if (!m) return memberNotFound(ctx);
  ctx.state.markDeleted(m, ctx.now);
  return { status: 204 };
}

function listAccessGroupMembers(ctx: RouteContext): SimResponse {
  const group = ctx.state.group(ctx.params.access_group_id!);
  if (!group) return groupNotFound(ctx);
  const membershipType = ctx.query.get('membership_type') ?? 'static';
  if (!MEMBERSHIP_TYPES.includes(membershipType)) {
    return ibmError(400, 'membership_type must be static, dynamic or all.', ctx.transactionId, 'invalid_parameter');
  }
  const type = ctx.query.get('type');
  const verbose = ctx.query.get('verbose') === 'true';
  const inGroup = ctx.state.memberships.filter((m) => m.groupId === group.id);
  // A membership removed moments ago stays visible for the consistency delay, unless added again since.
  const live = new Set(inGroup.filter(alive).map((m) => `${m.value.membership_type} ${m.value.iam_id}`));
  const members = inGroup
    .filter((m) => ctx.state.visible(m, ctx.now) && (alive(m) || !live.has(`${m.value.membership_type} ${m.value.iam_id}`)))
    .map((m) => m.value)
    .filter((m) => (membershipType === 'all' || m.membership_type === membershipType) && (!type || m.type === type));
  const person = (iamId: string) => ctx.state.users.find((u) => alive(u) && u.value.account_id === group.account_id && u.value.iam_id === iamId)?.value;
  return offsetPage(ctx, `/v2/groups/${group.id}/members`, 'members', members, (m) => {
    const user = verbose && m.type === 'user' ? person(m.iam_id) : undefined;
    return {
      ...structuredClone(m),
      ...(user ? { name: `${user.firstname} ${user.lastname}`, email: user.email } : {}),
      href: `${ctx.baseUrl}/v2/groups/${group.id}/members/${m.iam_id}`,
    };
  });
}

type NewMember = { iam_id?: unknown; type?: unknown };

/**
 * `PUT /v2/groups/{id}/members`: 207 with one outcome per member. A user must be a member of the
 * group's account; adding a static member twice keeps the one membership.
 */
function addMembersToAccessGroup(ctx: RouteContext): SimResponse {
  const group = ctx.state.group(ctx.params.access_group_id!);
  if (!group) return groupNotFound(ctx);
  let requested: NewMember[];
  try {
    requested = (JSON.parse(ctx.rawBody || '{}') as { members?: NewMember[] }).members ?? [];
  } catch {
    return ibmError(400, 'The request body is not valid JSON.', ctx.transactionId);
  }
  const valid = (m: NewMember): m is { iam_id: string; type: SimGroupMember['type'] } =>
    typeof m.iam_id === 'string' && m.iam_id !== '' && ['user', 'service', 'profile'].includes(m.type as string);
  if (requested.length === 0 || requested.length > 50 || !requested.every(valid)) {
    return ibmError(
      400,
      'members must list 1 to 50 members, each with an iam_id and a type of user, service or profile.',
      ctx.transactionId,
      'invalid_parameter',
    );
  }
  const inAccount = (iamId: string) => ctx.state.users.some((u) => alive(u) && u.value.account_id === group.account_id && u.value.iam_id === iamId);
  const members = requested.filter(valid).map((m) => {
    const trace = ctx.transactionId;
    if (m.type === 'user' && !inAccount(m.iam_id)) {
      const message = `User ${m.iam_id} is not a member of account ${group.account_id}.`;
      return { iam_id: m.iam_id, type: m.type, status_code: 404, trace, errors: [{ code: 'user_not_found', message }] };
    }
    let membership = ctx.state.memberships.find(
      (x) => alive(x) && x.groupId === group.id && x.value.iam_id === m.iam_id && x.value.membership_type === 'static',
    );
    if (!membership) {
      const value: SimGroupMember = {
        iam_id: m.iam_id,
        type: m.type,
        membership_type: 'static',
        created_at: new Date(ctx.now).toISOString(),
        created_by_id: ctx.callerIamId ?? '',
      };
      membership = { ...ctx.state.created(value, ctx.now), groupId: group.id };
      ctx.state.memberships.push(membership);
    }
    const { created_at, created_by_id } = membership.value;
    return { iam_id: m.iam_id, type: m.type, created_at, created_by_id, status_code: 200, trace };
  });
  return { status: 207, body: { members } };
}

export const accessGroupMemberRoutes: Route[] = [
  { method: 'DELETE', pattern: '/v2/groups/_allgroups/members/:iam_id', handler: removeMemberFromAllGroups },
  { method: 'GET', pattern: '/v2/groups/:access_group_id/members', handler: listAccessGroupMembers },
  { method: 'PUT', pattern: '/v2/groups/:access_group_id/members', handler: addMembersToAccessGroup },
  { method: 'HEAD', pattern: '/v2/groups/:access_group_id/members/:iam_id', handler: isMemberOfAccessGroup },
  { method: 'DELETE', pattern: '/v2/groups/:access_group_id/members/:iam_id', handler: removeMemberFromAccessGroup },
];
