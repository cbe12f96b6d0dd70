import { ibmError, type RouteContext, type SimResponse } from '../http.js';
import type { Route } from '../router.js';
import { alive, type SimState } from '../state.js';
import type { SimActivity, SimServiceId } from '../types.js';
import { entityBody, listByAccount } from './profiles-and-service-ids.js';

/**
 * A service ID signs in only through its API keys: its activity is theirs (the latest sign-in,
 * every count), unless the seed gives it one.
 */
export function activityOf(state: SimState, serviceId: SimServiceId): SimActivity {
  if (serviceId.activity) return structuredClone(serviceId.activity);
  const keys = state.apiKeys.filter((k) => alive(k) && k.value.iam_id === serviceId.iam_id).map((k) => k.value.activity);
  const last = keys.map((a) => a?.last_authn).filter((t): t is string => t !== undefined);
  return {
    ...(last.length ? { last_authn: last.sort().at(-1)! } : {}),
    authn_count: keys.reduce((n, a) => n + (a?.authn_count ?? 0), 0),
  };
}

function notFound(ctx: RouteContext): SimResponse {
  return ibmError(404, `Service ID ${ctx.params.id} not found.`, ctx.transactionId, 'not_found');
}

/** `GET /v1/serviceids/{id}`: history with `include_history=true`, activity with `include_activity=true`. */
function getServiceId(ctx: RouteContext): SimResponse {
  const stored = ctx.state.serviceIds.find((s) => s.value.id === ctx.params.id && ctx.state.visible(s, ctx.now));
  if (!stored) return notFound(ctx);
  const value = ctx.state.read(stored, ctx.now);
  const body = entityBody(ctx, value);
  return { status: 200, body: ctx.query.get('include_activity') === 'true' ? { ...body, activity: activityOf(ctx.state, value) } : body };
}

/**
 * `DELETE /v1/serviceids/{id}`: the service ID and every API key of it. IAM deletes the keys first
 * and answers 409 when one cannot go (a locked key): nothing is deleted then, and a retry may help.
 */
function deleteServiceId(ctx: RouteContext): SimResponse {
  const stored = ctx.state.serviceIds.find((s) => alive(s) && s.value.id === ctx.params.id);
  if (!stored) return notFound(ctx);
  const keys = ctx.state.apiKeys.filter((k) => alive(k) && k.value.iam_id === stored.value.iam_id);
  if (stored.value.locked || keys.some((k) => k.value.locked)) {
    return ibmError(409, `Service ID ${stored.value.id} or one of its API keys is locked. Unlock it before deleting.`, ctx.transactionId, 'entity_locked');
  }
  for (const key of keys) ctx.state.markDeleted(key, ctx.now);
  ctx.state.markDeleted(stored, ctx.now);
  return { status: 204 };
}

export const serviceIdRoutes: Route[] = [
  { method: 'GET', pattern: '/v1/serviceids', handler: listByAccount('/v1/serviceids/', 'serviceids', (c) => c.state.serviceIds) },
  { method: 'GET', pattern: '/v1/serviceids/:id', handler: getServiceId },
  { method: 'DELETE', pattern: '/v1/serviceids/:id', handler: deleteServiceId },
];
