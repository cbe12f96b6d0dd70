import { randomBytes, randomUUID } from 'node:crypto';
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

/**
 * `POST /v2/resource_keys`: a new service credential on the instance `source` (its id, guid or CRN)
 * with `role`, made by the caller. IBM mints a service ID and an API key for it, named in the
 * credentials beside the secret.
 */
function createResourceKey(ctx: RouteContext): SimResponse {
  let body: { name?: string; source?: string; role?: string };
  try {
    body = JSON.parse(ctx.rawBody || '{}');
  } catch {
    return ibmError(400, 'The request body is not JSON.', ctx.transactionId, 'invalid_body');
  }
  if (!body.name || !body.source) return ibmError(400, 'name and source are required.', ctx.transactionId, 'missing_parameter');
  const instance = visibleInCallersAccount(ctx, ctx.state.resourceInstances).find(
    (i) => i.id === body.source || i.guid === body.source || i.crn === body.source,
  );
  if (!instance) return ibmError(404, `Resource instance ${body.source} not found.`, ctx.transactionId, 'not_found');
  const at = new Date(ctx.now).toISOString();
  const by = ctx.callerIamId ?? 'unknown';
  const guid = randomUUID();
  const crn = `${instance.crn.split(':').slice(0, -2).join(':')}:resource-key:${guid}`;
  const serviceId = `ServiceId-${randomUUID()}`;
  const apiKeyId = `ApiKey-${randomUUID()}`;
  const apikey = `sim-secret-${randomBytes(12).toString('hex')}`;
  ctx.state.issuedSecrets.push(apikey);
  ctx.state.apiKeys.push(
    ctx.state.created(
      {
        id: apiKeyId,
        entity_tag: `1-${apiKeyId.slice(-12)}`,
        crn: `crn:v1:bluemix:public:iam-identity::a/${instance.account_id}::apikey:${apiKeyId}`,
        name: `auto-generated-apikey-${guid.slice(0, 8)}`,
        iam_id: `iam-${serviceId}`,
        account_id: instance.account_id,
        locked: false,
        disabled: false,
        created_at: at,
        created_by: by,
        modified_at: at,
        activity: { authn_count: 0 },
      },
      ctx.now,
    ),
  );
  const key: SimResourceKey = {
    id: crn,
    guid,
    crn,
    url: `/v2/resource_keys/${guid}`,
    name: body.name,
    account_id: instance.account_id,
    resource_group_id: instance.resource_group_id,
    resource_id: instance.resource_id,
    source_crn: instance.crn,
    resource_instance_url: instance.url,
    state: 'active',
    iam_compatible: true,
    created_at: at,
    updated_at: at,
    created_by: by,
    updated_by: by,
    credentials: {
      apikey,
      iam_apikey_id: apiKeyId,
      iam_apikey_name: `auto-generated-apikey-${guid.slice(0, 8)}`,
      ...(body.role ? { iam_role_crn: body.role } : {}),
      iam_serviceid_crn: `crn:v1:bluemix:public:iam-identity::a/${instance.account_id}::serviceid:${serviceId}`,
    },
  };
  ctx.state.resourceKeys.push(ctx.state.created(key, ctx.now));
  return { status: 201, body: structuredClone(key) };
}

/** `DELETE /v2/resource_keys/{id}`: the credential and the API key IBM minted for it; 404 once gone. */
function deleteResourceKey(ctx: RouteContext): SimResponse {
  const { id } = ctx.params;
  const stored = ctx.state.resourceKeys.find(
    (s) => s.deletedAt === undefined && s.value.account_id === ctx.callerAccountId && (s.value.id === id || s.value.guid === id || s.value.crn === id),
  );
  if (!stored) return ibmError(404, `Resource key ${id} not found.`, ctx.transactionId, 'not_found');
  ctx.state.markDeleted(stored, ctx.now);
  const minted = stored.value.credentials?.iam_apikey_id;
  const key = ctx.state.apiKeys.find((k) => k.deletedAt === undefined && k.value.id === minted);
  if (key) ctx.state.markDeleted(key, ctx.now);
  return { status: 204 };
}

export const resourceControllerRoutes: Route[] = [
  { method: 'GET', pattern: '/v2/resource_keys', handler: listResourceKeys },
  { method: 'POST', pattern: '/v2/resource_keys', handler: createResourceKey },
  { method: 'DELETE', pattern: '/v2/resource_keys/:id', handler: deleteResourceKey },
  { method: 'GET', pattern: '/v2/resource_keys/:id', handler: getOne('Resource key', (c) => c.state.resourceKeys) },
  { method: 'GET', pattern: '/v2/resource_instances', handler: listResourceInstances },
  { method: 'GET', pattern: '/v2/resource_instances/:id', handler: getOne('Resource instance', (c) => c.state.resourceInstances) },
];
