import { randomBytes, randomUUID } from 'node:crypto';
import { ibmError, requireAccount, type RouteContext, type SimResponse } from '../http.js';
import type { Route } from '../router.js';
import { alive, type Stored } from '../state.js';
import type { SimApiKey } from '../types.js';
import { pageOf, sortBy } from './iam-identity-paging.js';

const isUserIamId = (iamId: string) => iamId.startsWith('IBMid-');

function listApiKeys(ctx: RouteContext): SimResponse {
  const accountId = ctx.query.get('account_id');
  const scope = ctx.query.get('scope') ?? 'entity';
  const type = ctx.query.get('type');
  const iamId = ctx.query.get('iam_id');
  if (scope !== 'entity' && scope !== 'account') {
    return ibmError(400, `Invalid scope "${scope}": use entity or account.`, ctx.transactionId);
  }
  if (type !== null && type !== 'user' && type !== 'serviceid') {
    return ibmError(400, `Invalid type "${type}": use user or serviceid.`, ctx.transactionId);
  }
  if (accountId !== null || scope === 'account') {
    const denied = requireAccount(ctx, accountId);
    if (denied) return denied;
  }
  if (iamId && isUserIamId(iamId) && iamId !== ctx.callerIamId) {
    return ibmError(
      403,
      'The iam_id of a user must match the iam_id of the authorization token. List with scope=account and filter instead.',
      ctx.transactionId,
      'not_authorized',
    );
  }
  const owner = scope === 'entity' ? (iamId ?? ctx.callerIamId) : iamId;
  const keys = ctx.state.apiKeys
    .filter((k) => ctx.state.visible(k, ctx.now))
    .map((k) => ctx.state.read(k, ctx.now))
    .filter((k) => accountId === null || k.account_id === accountId)
    .filter((k) => !owner || k.iam_id === owner)
    .filter((k) => type === null || (type === 'user') === isUserIamId(k.iam_id));
  const sorted = sortBy(keys, ctx, ['name', 'description', 'created_at', 'created_by']);
  if (sorted === 'invalid') return ibmError(400, 'Invalid sort property.', ctx.transactionId);
  // Never `activity` in a listing: IAM computes it only for a single read that asks for it.
  return pageOf(
    ctx,
    '/v1/apikeys',
    'apikeys',
    sorted.map(({ activity: _activity, ...key }) => key),
  );
}

function findKey(ctx: RouteContext, pred: (k: Stored<SimApiKey>) => boolean) {
  return ctx.state.apiKeys.find((k) => k.value.id === ctx.params.id && pred(k));
}

function keyNotFound(ctx: RouteContext): SimResponse {
  return ibmError(404, `API key ${ctx.params.id} not found.`, ctx.transactionId, 'not_found');
}

function keyLocked(ctx: RouteContext, key: SimApiKey, change: string): SimResponse {
  return ibmError(409, `API key ${key.id} is locked. Unlock it before ${change} it.`, ctx.transactionId, 'entity_locked');
}

/** Activity is costly for IAM to compute: it comes only with `include_activity=true`. */
function getApiKey(ctx: RouteContext): SimResponse {
  const key = findKey(ctx, (k) => ctx.state.visible(k, ctx.now));
  if (!key) return keyNotFound(ctx);
  const { activity, ...rest } = structuredClone(ctx.state.read(key, ctx.now));
  const withActivity = ctx.query.get('include_activity') === 'true';
  return { status: 200, body: withActivity ? { ...rest, activity: activity ?? { authn_count: 0 } } : rest };
}

function deleteApiKey(ctx: RouteContext): SimResponse {
  const key = findKey(ctx, alive);
  if (!key) return keyNotFound(ctx);
  if (key.value.locked) return keyLocked(ctx, key.value, 'deleting');
  ctx.state.markDeleted(key, ctx.now);
  return { status: 204 };
}

/** `POST /v1/apikeys/{id}/disable` disables, `DELETE` on the same path enables; both 204, also when already so. */
function setDisabled(disabled: boolean) {
  return (ctx: RouteContext): SimResponse => {
    const key = findKey(ctx, alive);
    if (!key) return keyNotFound(ctx);
    if (key.value.locked) return keyLocked(ctx, key.value, disabled ? 'disabling' : 'enabling');
    if (key.value.disabled !== disabled) {
      const at = new Date(ctx.now).toISOString();
      ctx.state.change(key, (v) => ({ ...v, disabled, modified_at: at }), ctx.now);
    }
    return { status: 204 };
  };
}

/**
 * `POST /v1/apikeys`: a new key for `iam_id` (a user or a service ID), made by the caller. Its value is
 * in the answer's `apikey`, this once (IAM keeps it retrievable when `store_value` is true).
 */
function createApiKey(ctx: RouteContext): SimResponse {
  let body: { name?: string; iam_id?: string; account_id?: string; description?: string; store_value?: boolean };
  try {
    body = JSON.parse(ctx.rawBody || '{}');
  } catch {
    return ibmError(400, 'The request body is not JSON.', ctx.transactionId, 'invalid_body');
  }
  if (!body.name || !body.iam_id) return ibmError(400, 'name and iam_id are required.', ctx.transactionId, 'missing_parameter');
  const denied = requireAccount(ctx, body.account_id);
  if (denied) return denied;
  const id = `ApiKey-${randomUUID()}`;
  const at = new Date(ctx.now).toISOString();
  const key: SimApiKey = {
    id,
    entity_tag: `1-${id.slice(-12)}`,
    crn: `crn:v1:bluemix:public:iam-identity::a/${body.account_id}::apikey:${id}`,
    name: body.name,
    ...(body.description ? { description: body.description } : {}),
    iam_id: body.iam_id,
    account_id: body.account_id!,
    locked: false,
    disabled: false,
    created_at: at,
    created_by: ctx.callerIamId ?? body.iam_id,
    modified_at: at,
    activity: { authn_count: 0 },
  };
  ctx.state.apiKeys.push(ctx.state.created(key, ctx.now));
  const apikey = `sim-secret-${randomBytes(12).toString('hex')}`;
  ctx.state.issuedSecrets.push(apikey);
  if (body.store_value === true) ctx.state.storedValues.add(id);
  return { status: 201, body: { ...structuredClone(key), apikey, store_value: body.store_value === true } };
}

/**
 * `GET /v1/apikeys/details` with the key itself in the `IAM-ApiKey` header: the record of that key,
 * so a caller can learn who it belongs to. The accepted keys are the bot's, owned by the seed's
 * `botIamId` (the \`iam_id\` of every token they are exchanged for); the key's value is never returned.
 */
export function apiKeyDetailsRoutes(acceptedKeys: ReadonlySet<string>): Route[] {
  function details(ctx: RouteContext): SimResponse {
    const raw = ctx.headers['iam-apikey'];
    const apikey = Array.isArray(raw) ? raw[0] : raw;
    if (!apikey) return ibmError(400, 'Header IAM-ApiKey is missing or empty.', ctx.transactionId, 'missing_header');
    if (!acceptedKeys.has(apikey)) return ibmError(404, 'API key not found.', ctx.transactionId, 'not_found');
    const accountId = ctx.state.accounts[0]?.id ?? '';
    const seeded = ctx.state.apiKeys.find((k) => k.value.id === ctx.state.botApiKeyId)?.value;
    if (seeded) return { status: 200, body: { ...seeded, activity: undefined } };
    const id = 'ApiKey-offboard-bot';
    const at = '2026-01-05T09:00:00.000Z';
    return {
      status: 200,
      body: {
        id,
        entity_tag: '1-offboardbot',
        crn: `crn:v1:bluemix:public:iam-identity::a/${accountId}::apikey:${id}`,
        locked: false,
        disabled: false,
        created_at: at,
        created_by: ctx.state.botIamId,
        modified_at: at,
        name: 'offboard-bot',
        iam_id: ctx.state.botIamId,
        account_id: accountId,
      },
    };
  }
  return [{ method: 'GET', pattern: '/v1/apikeys/details', handler: details }];
}

export const apiKeyRoutes: Route[] = [
  { method: 'GET', pattern: '/v1/apikeys', handler: listApiKeys },
  { method: 'POST', pattern: '/v1/apikeys', handler: createApiKey },
  { method: 'GET', pattern: '/v1/apikeys/:id', handler: getApiKey },
  { method: 'DELETE', pattern: '/v1/apikeys/:id', handler: deleteApiKey },
  { method: 'POST', pattern: '/v1/apikeys/:id/disable', handler: setDisabled(true) },
  { method: 'DELETE', pattern: '/v1/apikeys/:id/disable', handler: setDisabled(false) },
];
