import { decodePageToken, encodePageToken, ibmError, intParam, servedPageSize, withQuery, type RouteContext, type SimResponse } from '../http.js';
import type { Route } from '../router.js';
import type { Stored } from '../state.js';
import type { SimResourceInstance, SimResourceKey } from '../types.js';

/**
 * Resource Controller v2 answers for the account the caller's token was issued for (it takes no
 * account parameter), and pages with an opaque `start` carried in a relative `next_url`
 * (`null` on the last page); `rows_count` counts the rows of the page. Default and largest page: 100.
 */
function page<T>(ctx: RouteContext, path: string, items: T[]): SimResponse {
  const limit = intParam(ctx.query, 'limit', 1, 100);
  if (limit === 'invalid') return ibmError(400, 'limit must be an integer between 1 and 100.', ctx.transactionId, 'invalid_parameter');
  const size = servedPageSize(ctx, limit, 100);
  const offset = decodePageToken(ctx.query.get('start'));
  if (offset === 'invalid') return ibmError(400, 'The start token is not valid.', ctx.transactionId, 'invalid_parameter');
  const rows = items.slice(offset, offset + size).map((i) => structuredClone(i));
  // The token stands for the whole query on IBM; here the filters ride along with it.
  const base: Record<string, string> = {};
  ctx.query.forEach((v, k) => {
    if (k !== 'start' && k !== 'limit') base[k] = v;
  });
  return {
    status: 200,
    body: {
      rows_count: rows.length,
      next_url: offset + size < items.length ? withQuery(path, { ...base, limit: size, start: encodePageToken(offset + size) }) : null,
      resources: rows,
    },
  };
}

function visibleInCallersAccount<T extends { account_id: string }>(ctx: RouteContext, stored: Stored<T>[]): T[] {
  return stored
    .filter((s) => ctx.state.visible(s, ctx.now))
    .map((s) => ctx.state.read(s, ctx.now))
    .filter((v) => v.account_id === ctx.callerAccountId);
}

const byName = (ctx: RouteContext) => (v: { name: string; guid: string }) =>
  (ctx.query.get('name') === null || v.name === ctx.query.get('name')) && (ctx.query.get('guid') === null || v.guid === ctx.query.get('guid'));

function listResourceKeys(ctx: RouteContext): SimResponse {
  return page(ctx, '/v2/resource_keys', visibleInCallersAccount(ctx, ctx.state.resourceKeys).filter(byName(ctx)));
}

/** Without `state`, only `active` and `provisioning` instances are listed, as IBM documents. */
function listResourceInstances(ctx: RouteContext): SimResponse {
  const state = ctx.query.get('state');
  const instances = visibleInCallersAccount(ctx, ctx.state.resourceInstances)
    .filter(byName(ctx))
    .filter((i) => (state === null ? i.state === 'active' || i.state === 'provisioning' : i.state === state));
  return page(ctx, '/v2/resource_instances', instances);
}

/** By id, guid or CRN; another account's item is not found, as for IBM. */
function getOne<T extends SimResourceKey | SimResourceInstance>(kind: string, select: (ctx: RouteContext) => Stored<T>[]) {
  return (ctx: RouteContext): SimResponse => {
    const { id } = ctx.params;
    const found = visibleInCallersAccount(ctx, select(ctx)).find((v) => v.id === id || v.guid === id || v.crn === id);
    return found ? { status: 200, body: structuredClone(found) } : ibmError(404, `${kind} ${id} not found.`, ctx.transactionId, 'not_found');
  };
}

export const resourceControllerRoutes: Route[] = [
  { method: 'GET', pattern: '/v2/resource_keys', handler: listResourceKeys },
  { method: 'GET', pattern: '/v2/resource_keys/:id', handler: getOne('Resource key', (c) => c.state.resourceKeys) },
  { method: 'GET', pattern: '/v2/resource_instances', handler: listResourceInstances },
  { method: 'GET', pattern: '/v2/resource_instances/:id', handler: getOne('Resource instance', (c) => c.state.resourceInstances) },
];
