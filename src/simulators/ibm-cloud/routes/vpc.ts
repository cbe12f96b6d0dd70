import { decodePageToken, encodePageToken, ibmError, intParam, servedPageSize, withQuery, type RouteContext, type SimResponse } from '../http.js';
import type { Route } from '../router.js';

/**
 * VPC (Gen 2) of one region, served at `/vpc/{region}/v1` (the bot's IBMCLOUD_VPC_URL is
 * `<simulator>/vpc/{region}/v1`). Like IBM's regional endpoints it answers for the caller's account,
 * refuses a request without `version` or with a `generation` other than 2, and pages with `limit`
 * and an opaque `start` carried in an absolute `next.href`. Default page 50, largest 100.
 */
function checkedQuery(ctx: RouteContext): SimResponse | undefined {
  const version = ctx.query.get('version');
  if (!version || !/^\d{4}-\d{2}-\d{2}$/.test(version)) {
    return ibmError(400, 'The version query parameter is required (YYYY-MM-DD).', ctx.transactionId, 'validation_required_param_missing');
  }
  if (ctx.query.get('generation') !== '2') return ibmError(400, 'Only generation=2 is served here.', ctx.transactionId, 'validation_invalid_argument');
  return undefined;
}

function page<T>(ctx: RouteContext, collection: string, items: T[], toWire: (item: T) => unknown): SimResponse {
  const limit = intParam(ctx.query, 'limit', 1, 100);
  if (limit === 'invalid') return ibmError(400, 'limit must be an integer between 1 and 100.', ctx.transactionId, 'validation_invalid_argument');
  const size = servedPageSize(ctx, limit, 50);
  const offset = decodePageToken(ctx.query.get('start'));
  if (offset === 'invalid') return ibmError(400, 'The start token is not valid.', ctx.transactionId, 'validation_invalid_argument');
  const base = `${ctx.baseUrl}/vpc/${encodeURIComponent(ctx.params.region!)}/v1/${collection}`;
  const query = { version: ctx.query.get('version'), generation: 2, limit: size };
  return {
    status: 200,
    body: {
      [collection]: items.slice(offset, offset + size).map(toWire),
      limit: size,
      total_count: items.length,
      first: { href: withQuery(base, query) },
      ...(offset + size < items.length ? { next: { href: withQuery(base, { ...query, start: encodePageToken(offset + size) }) } } : {}),
    },
  };
}

const inRegion = (ctx: RouteContext) => (v: { region: string; account_id: string }) => v.region === ctx.params.region && v.account_id === ctx.callerAccountId;

function keyWire(ctx: RouteContext) {
  return (k: RouteContext['state']['vpcKeys'][number]) => ({
    id: k.id,
    crn: `crn:v1:bluemix:public:is:${k.region}:a/${k.account_id}::key:${k.id}`,
    href: `${ctx.baseUrl}/vpc/${k.region}/v1/keys/${k.id}`,
    name: k.name,
    public_key: k.public_key,
    fingerprint: k.fingerprint,
    type: k.type,
    length: k.type === 'rsa' ? 2048 : 256,
    created_at: k.created_at,
    resource_group: { id: 'default', name: 'Default' },
  });
}

function guarded(handler: (ctx: RouteContext) => SimResponse) {
  return (ctx: RouteContext): SimResponse => checkedQuery(ctx) ?? handler(ctx);
}

export const vpcRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/vpc/:region/v1/keys',
    handler: guarded((ctx) => page(ctx, 'keys', ctx.state.vpcKeys.filter(inRegion(ctx)), keyWire(ctx))),
  },
  {
    method: 'GET',
    pattern: '/vpc/:region/v1/keys/:id',
    handler: guarded((ctx) => {
      const key = ctx.state.vpcKeys.filter(inRegion(ctx)).find((k) => k.id === ctx.params.id);
      return key ? { status: 200, body: keyWire(ctx)(key) } : ibmError(404, `Key not found: ${ctx.params.id}`, ctx.transactionId, 'not_found');
    }),
  },
  {
    method: 'DELETE',
    pattern: '/vpc/:region/v1/keys/:id',
    handler: guarded((ctx) => {
      const i = ctx.state.vpcKeys.findIndex((k) => inRegion(ctx)(k) && k.id === ctx.params.id);
      if (i < 0) return ibmError(404, `Key not found: ${ctx.params.id}`, ctx.transactionId, 'not_found');
      // As on IBM: the servers it initialised keep it in their authorized_keys.
      ctx.state.vpcKeys.splice(i, 1);
      return { status: 204 };
    }),
  },
  {
    method: 'GET',
    pattern: '/vpc/:region/v1/instances',
    handler: guarded((ctx) =>
      page(ctx, 'instances', ctx.state.vpcInstances.filter(inRegion(ctx)), (v) => ({
        id: v.id,
        name: v.name,
        href: `${ctx.baseUrl}/vpc/${v.region}/v1/instances/${v.id}`,
        status: 'running',
        zone: { name: `${v.region}-1` },
      })),
    ),
  },
  {
    method: 'GET',
    pattern: '/vpc/:region/v1/instances/:id/initialization',
    handler: guarded((ctx) => {
      const instance = ctx.state.vpcInstances.filter(inRegion(ctx)).find((v) => v.id === ctx.params.id);
      if (!instance) return ibmError(404, `Instance not found: ${ctx.params.id}`, ctx.transactionId, 'not_found');
      // A key deleted since is still named: initialization records what was installed then.
      return {
        status: 200,
        body: {
          keys: instance.key_ids.map((id) => {
            const href = `${ctx.baseUrl}/vpc/${instance.region}/v1/keys/${id}`;
            const key = ctx.state.vpcKeys.find((k) => k.id === id);
            return key ? { id, href, name: key.name, fingerprint: key.fingerprint } : { id, href, deleted: { more_info: href } };
          }),
          user_account: { type: 'host_user_account', username: 'root', resource_type: 'host_user_account' },
        },
      };
    }),
  },
];
