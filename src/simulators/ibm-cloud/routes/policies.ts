import { randomUUID } from 'node:crypto';
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
import { alive, policyAccount, policySubject } from '../state.js';
import type { SimPolicy } from '../types.js';

const roleName = (roleId: string) => roleId.slice(roleId.lastIndexOf(':') + 1);

/** Policies of an account visible to reads, filtered by subject (`iam_id` / `access_group_id`) and `type`. */
function listFor(ctx: RouteContext): SimPolicy[] | SimResponse {
  const accountId = ctx.query.get('account_id');
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const iamId = ctx.query.get('iam_id');
  const groupId = ctx.query.get('access_group_id');
  const type = ctx.query.get('type');
  if (type !== null && type !== 'access' && type !== 'authorization') {
    return ibmError(400, 'type must be access or authorization.', ctx.transactionId, 'invalid_parameter');
  }
  const serviceName = ctx.query.get('service_name');
  return ctx.state.policies
    .filter((p) => ctx.state.visible(p, ctx.now))
    .map((p) => p.value)
    .filter((p) => policyAccount(p) === accountId)
    .filter((p) => !iamId || policySubject(p, 'iam_id') === iamId)
    .filter((p) => !groupId || policySubject(p, 'access_group_id') === groupId)
    .filter((p) => !type || p.type === type)
    .filter((p) => !serviceName || p.resource.attributes.some((a) => a.key === 'serviceName' && a.value === serviceName));
}

const v2Body = (ctx: RouteContext, p: SimPolicy) => ({
  ...structuredClone(p),
  href: `${ctx.baseUrl}/v2/policies/${p.id}`,
});

function listV2Policies(ctx: RouteContext): SimResponse {
  const policies = listFor(ctx);
  if (!Array.isArray(policies)) return policies;
  const limit = intParam(ctx.query, 'limit', 1, 100);
  if (limit === 'invalid') return ibmError(400, 'limit must be an integer between 1 and 100.', ctx.transactionId, 'invalid_parameter');
  const size = servedPageSize(ctx, limit, 50);
  const start = decodePageToken(ctx.query.get('start'));
  if (start === 'invalid') return ibmError(400, 'The start token is not valid.', ctx.transactionId, 'invalid_parameter');
  const base: Record<string, string> = {};
  ctx.query.forEach((v, k) => {
    if (k !== 'start') base[k] = v;
  });
  const nextStart = encodePageToken(start + size);
  return {
    status: 200,
    body: {
      limit: size,
      first: { href: ctx.baseUrl + withQuery('/v2/policies', base) },
      ...(start + size < policies.length ? { next: { href: ctx.baseUrl + withQuery('/v2/policies', { ...base, start: nextStart }), start: nextStart } } : {}),
      policies: policies.slice(start, start + size).map((p) => v2Body(ctx, p)),
    },
  };
}

type PolicyInput = Pick<SimPolicy, 'type' | 'description' | 'subject' | 'control' | 'resource' | 'pattern' | 'rule'>;

/** What makes two policies the same grant: IAM refuses a second one with 409. */
function grantKey(p: PolicyInput): string {
  const attrs = (list: { key: string; operator: string; value: unknown }[]) => list.map((a) => JSON.stringify([a.key, a.operator, a.value])).sort();
  return JSON.stringify([
    p.type,
    attrs(p.subject.attributes),
    attrs(p.resource.attributes),
    p.control.grant.roles.map((r) => r.role_id).sort(),
    p.pattern ?? null,
    p.rule ?? null,
  ]);
}

function parsePolicy(raw: string): PolicyInput | string {
  let b: Partial<PolicyInput>;
  try {
    b = JSON.parse(raw || '{}');
  } catch {
    return 'The request body is not valid JSON.';
  }
  if (b.type !== 'access' && b.type !== 'authorization') return "type must be 'access' or 'authorization'.";
  const roles = b.control?.grant?.roles;
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => typeof r?.role_id === 'string')) {
    return 'control.grant.roles must list at least one role_id.';
  }
  const isAttrs = (a: unknown) => Array.isArray(a) && a.length > 0 && a.every((x) => typeof x?.key === 'string' && typeof x?.operator === 'string');
  if (!isAttrs(b.subject?.attributes)) return 'subject.attributes must list at least one attribute.';
  if (!isAttrs(b.resource?.attributes)) return 'resource.attributes must list at least one attribute.';
  return {
    type: b.type,
    subject: b.subject!,
    control: { grant: { roles: roles.map((r) => ({ role_id: r.role_id })) } },
    resource: b.resource!,
    ...(b.description !== undefined ? { description: b.description } : {}),
    ...(b.pattern !== undefined ? { pattern: b.pattern } : {}),
    ...(b.rule !== undefined ? { rule: b.rule } : {}),
  };
}

/**
 * `POST /v2/policies`: 201 with the new policy (a new id). The same grant twice is a 409
 * `policy_conflict_error` whose `details.conflicts_with.policy` is the existing policy, as IAM answers.
 */
function createV2Policy(ctx: RouteContext): SimResponse {
  const input = parsePolicy(ctx.rawBody);
  if (typeof input === 'string') return ibmError(400, input, ctx.transactionId, 'invalid_body');
  const accountId = policyAccount(input);
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const key = grantKey(input);
  const existing = ctx.state.policies.find((p) => alive(p) && grantKey(p.value) === key);
  if (existing) {
    const conflict = ibmError(409, 'Failed to create policy.', ctx.transactionId, 'policy_conflict_error');
    const [error] = (conflict.body as { errors: Record<string, unknown>[] }).errors;
    error!.details = { conflicts_with: { etag: `1-${existing.value.id.replace(/-/g, '')}`, policy: v2Body(ctx, existing.value) } };
    return conflict;
  }
  const at = new Date(ctx.now).toISOString();
  const by = ctx.callerIamId ?? '';
  const policy: SimPolicy = {
    ...structuredClone(input),
    id: randomUUID(),
    created_at: at,
    created_by_id: by,
    last_modified_at: at,
    last_modified_by_id: by,
    state: 'active',
  };
  ctx.state.policies.push(ctx.state.created(policy, ctx.now));
  return { status: 201, body: v2Body(ctx, policy) };
}

function policyNotFound(ctx: RouteContext, id: string): SimResponse {
  return ibmError(404, `Policy with ID ${id} not found.`, ctx.transactionId, 'policy_not_found');
}

function getV2Policy(ctx: RouteContext): SimResponse {
  const p = ctx.state.policies.find((x) => x.value.id === ctx.params.id && ctx.state.visible(x, ctx.now));
  return p ? { status: 200, body: v2Body(ctx, p.value) } : policyNotFound(ctx, ctx.params.id!);
}

function deletePolicy(param: 'id' | 'policy_id') {
  return (ctx: RouteContext): SimResponse => {
    const id = ctx.params[param]!;
    const p = ctx.state.policies.find((x) => x.value.id === id && alive(x));
    if (!p) return policyNotFound(ctx, id);
    ctx.state.markDeleted(p, ctx.now);
    return { status: 204 };
  };
}

/** v1 shape (`subjects`, `roles`, `resources` with `name`/`value`); policies with conditions are v2-only. */
function listV1Policies(ctx: RouteContext): SimResponse {
  const policies = listFor(ctx);
  if (!Array.isArray(policies)) return policies;
  return {
    status: 200,
    body: {
      policies: policies
        .filter((p) => p.rule === undefined)
        .map((p) => ({
          id: p.id,
          type: p.type,
          ...(p.description !== undefined ? { description: p.description } : {}),
          subjects: [{ attributes: p.subject.attributes.map((a) => ({ name: a.key, value: a.value })) }],
          roles: p.control.grant.roles.map((r) => ({ role_id: r.role_id, display_name: roleName(r.role_id) })),
          resources: [{ attributes: p.resource.attributes.map((a) => ({ name: a.key, value: a.value, operator: a.operator })) }],
          href: `${ctx.baseUrl}/v1/policies/${p.id}`,
          created_at: p.created_at,
          created_by_id: p.created_by_id,
          last_modified_at: p.last_modified_at,
          last_modified_by_id: p.last_modified_by_id,
          state: p.state,
        })),
    },
  };
}

export const policyRoutes: Route[] = [
  { method: 'GET', pattern: '/v2/policies', handler: listV2Policies },
  { method: 'POST', pattern: '/v2/policies', handler: createV2Policy },
  { method: 'GET', pattern: '/v2/policies/:id', handler: getV2Policy },
  { method: 'DELETE', pattern: '/v2/policies/:id', handler: deletePolicy('id') },
  { method: 'GET', pattern: '/v1/policies', handler: listV1Policies },
  { method: 'DELETE', pattern: '/v1/policies/:policy_id', handler: deletePolicy('policy_id') },
];
