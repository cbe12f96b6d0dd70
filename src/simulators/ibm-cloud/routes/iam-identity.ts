import {
  decodePageToken,
  encodePageToken,
  ibmError,
  intParam,
  requireAccount,
  withQuery,
  type RouteContext,
  type SimResponse,
} from '../http.js';
import type { Route } from '../router.js';
import { alive, type Stored } from '../state.js';
import type { SimApiKey, SimTrustedProfile } from '../types.js';

/**
 * IAM Identity list responses: `{offset, limit, first, previous?, next?, <items>}`, paged with an
 * opaque `pagetoken` read from `next` (absolute URLs, as IAM returns them). Default page size 20.
 */
function pageOf<T>(ctx: RouteContext, path: string, itemsKey: string, items: T[]): SimResponse {
  const pagesize = intParam(ctx.query, 'pagesize', 1, 100);
  if (pagesize === 'invalid') return ibmError(400, 'pagesize must be an integer between 1 and 100.', ctx.transactionId);
  const limit = pagesize ?? 20;
  const offset = decodePageToken(ctx.query.get('pagetoken'));
  if (offset === 'invalid') return ibmError(400, 'The pagetoken is not valid.', ctx.transactionId, 'invalid_pagetoken');
  const base: Record<string, string> = {};
  ctx.query.forEach((v, k) => {
    if (k !== 'pagetoken') base[k] = v;
  });
  const link = (o: number) => ctx.baseUrl + withQuery(path, { ...base, pagetoken: o > 0 ? encodePageToken(o) : undefined });
  return {
    status: 200,
    body: {
      context: { transaction_id: ctx.transactionId, operation: `GET ${path}` },
      offset,
      limit,
      first: link(0),
      ...(offset > 0 ? { previous: link(Math.max(0, offset - limit)) } : {}),
      ...(offset + limit < items.length ? { next: link(offset + limit) } : {}),
      [itemsKey]: items.slice(offset, offset + limit).map((i) => structuredClone(i)),
    },
  };
}

const isUserIamId = (iamId: string) => iamId.startsWith('IBMid-');

function sortBy<T extends object>(items: T[], ctx: RouteContext, allowed: string[]): T[] | 'invalid' {
  const sort = ctx.query.get('sort');
  if (!sort) return items;
  if (!allowed.includes(sort)) return 'invalid';
  const dir = ctx.query.get('order') === 'desc' ? -1 : 1;
  return [...items].sort((a, b) => {
    const x = String((a as Record<string, unknown>)[sort] ?? '');
    const y = String((b as Record<string, unknown>)[sort] ?? '');
    return x.localeCompare(y) * dir;
  });
}

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
  let keys = ctx.state.apiKeys
    .filter((k) => ctx.state.visible(k, ctx.now))
    .map((k) => k.value)
    .filter((k) => accountId === null || k.account_id === accountId)
    .filter((k) => !owner || k.iam_id === owner)
    .filter((k) => type === null || (type === 'user') === isUserIamId(k.iam_id));
  const sorted = sortBy(keys, ctx, ['name', 'description', 'created_at', 'created_by']);
  if (sorted === 'invalid') return ibmError(400, 'Invalid sort property.', ctx.transactionId);
  keys = sorted;
  return pageOf(ctx, '/v1/apikeys', 'apikeys', keys);
}

function findKey(ctx: RouteContext, pred: (k: Stored<SimApiKey>) => boolean) {
  return ctx.state.apiKeys.find((k) => k.value.id === ctx.params.id && pred(k));
}

function keyNotFound(ctx: RouteContext): SimResponse {
  return ibmError(404, `API key ${ctx.params.id} not found.`, ctx.transactionId, 'not_found');
}

function getApiKey(ctx: RouteContext): SimResponse {
  const key = findKey(ctx, (k) => ctx.state.visible(k, ctx.now));
  return key ? { status: 200, body: structuredClone(key.value) } : keyNotFound(ctx);
}

function deleteApiKey(ctx: RouteContext): SimResponse {
  const key = findKey(ctx, alive);
  if (!key) return keyNotFound(ctx);
  if (key.value.locked) {
    return ibmError(409, `API key ${key.value.id} is locked. Unlock it before deleting.`, ctx.transactionId, 'entity_locked');
  }
  ctx.state.markDeleted(key, ctx.now);
  return { status: 204 };
}

function listByAccount<T extends { account_id: string; name: string }>(
  path: string,
  itemsKey: string,
  select: (ctx: RouteContext) => Stored<T>[],
) {
  return (ctx: RouteContext): SimResponse => {
    const accountId = ctx.query.get('account_id');
    const denied = requireAccount(ctx, accountId);
    if (denied) return denied;
    const name = ctx.query.get('name');
    const items = select(ctx)
      .filter((s) => ctx.state.visible(s, ctx.now))
      .map((s) => s.value)
      .filter((v) => v.account_id === accountId && (!name || v.name === name));
    const sorted = sortBy(items, ctx, ['name', 'description', 'created_at', 'modified_at']);
    if (sorted === 'invalid') return ibmError(400, 'Invalid sort property.', ctx.transactionId);
    return pageOf(ctx, path, itemsKey, sorted);
  };
}

function profileFor(ctx: RouteContext): Stored<SimTrustedProfile> | undefined {
  return ctx.state.profiles.find((p) => alive(p) && p.value.id === ctx.params.profile_id);
}

function profileNotFound(ctx: RouteContext): SimResponse {
  return ibmError(404, `Trusted profile ${ctx.params.profile_id} not found.`, ctx.transactionId, 'not_found');
}

function getProfileIdentities(ctx: RouteContext): SimResponse {
  const profile = profileFor(ctx);
  if (!profile) return profileNotFound(ctx);
  const identities = ctx.state.profileIdentities
    .filter((i) => i.value.profile_id === profile.value.id && ctx.state.visible(i, ctx.now))
    .map(({ value: { profile_id: _profile, ...identity } }) => identity);
  return { status: 200, body: { entity_tag: profile.value.entity_tag, identities } };
}

function deleteProfileIdentity(ctx: RouteContext): SimResponse {
  const profile = profileFor(ctx);
  if (!profile) return profileNotFound(ctx);
  const link = ctx.state.profileIdentities.find(
    (i) => alive(i) && i.value.profile_id === profile.value.id && i.value.type === ctx.params.identity_type && i.value.identifier === ctx.params.identifier_id,
  );
  if (!link) return ibmError(404, `Identity ${ctx.params.identifier_id} is not linked to trusted profile ${profile.value.id}.`, ctx.transactionId, 'not_found');
  ctx.state.markDeleted(link, ctx.now);
  return { status: 204 };
}

export const iamIdentityRoutes: Route[] = [
  { method: 'GET', pattern: '/v1/apikeys', handler: listApiKeys },
  { method: 'GET', pattern: '/v1/apikeys/:id', handler: getApiKey },
  { method: 'DELETE', pattern: '/v1/apikeys/:id', handler: deleteApiKey },
  { method: 'GET', pattern: '/v1/serviceids', handler: listByAccount('/v1/serviceids/', 'serviceids', (c) => c.state.serviceIds) },
  { method: 'GET', pattern: '/v1/profiles', handler: listByAccount('/v1/profiles', 'profiles', (c) => c.state.profiles) },
  { method: 'GET', pattern: '/v1/profiles/:profile_id/identities', handler: getProfileIdentities },
  { method: 'DELETE', pattern: '/v1/profiles/:profile_id/identities/:identity_type/:identifier_id', handler: deleteProfileIdentity },
];
