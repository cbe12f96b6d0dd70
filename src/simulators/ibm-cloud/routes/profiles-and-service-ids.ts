import { ibmError, requireAccount, type RouteContext, type SimResponse } from '../http.js';
import type { Route } from '../router.js';
import { alive, type Stored } from '../state.js';
import type { SimProfileIdentity, SimTrustedProfile } from '../types.js';
import { pageOf, sortBy } from './iam-identity-paging.js';

/**
 * An entity as IAM Identity answers for it: `history` only with `include_history=true`, and
 * `activity` never in a listing (IBM computes it only for single reads with `include_activity`).
 */
export function entityBody<T extends { history?: unknown; activity?: unknown }>(ctx: RouteContext, entity: T): Omit<T, 'activity'> {
  const { activity: _activity, history, ...rest } = structuredClone(entity);
  return (ctx.query.get('include_history') === 'true' ? { ...rest, history } : rest) as Omit<T, 'activity'>;
}

export function listByAccount<T extends { account_id: string; name: string; history?: unknown; activity?: unknown }>(
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
      .map((s) => ctx.state.read(s, ctx.now))
      .filter((v) => v.account_id === accountId && (!name || v.name === name));
    const sorted = sortBy(items, ctx, ['name', 'description', 'created_at', 'modified_at']);
    if (sorted === 'invalid') return ibmError(400, 'Invalid sort property.', ctx.transactionId);
    return pageOf(
      ctx,
      path,
      itemsKey,
      sorted.map((v) => entityBody(ctx, v)),
    );
  };
}

function profileFor(ctx: RouteContext): Stored<SimTrustedProfile> | undefined {
  return ctx.state.profiles.find((p) => alive(p) && p.value.id === ctx.params.profile_id);
}

function profileNotFound(ctx: RouteContext): SimResponse {
  return ibmError(404, `Trusted profile ${ctx.params.profile_id} not found.`, ctx.transactionId, 'not_found');
}

/** `GET /v1/profiles/{id}` (SDK `getProfile`): its activity only with `include_activity=true`. */
function getProfile(ctx: RouteContext): SimResponse {
  const profile = ctx.state.profiles.find((p) => p.value.id === ctx.params.profile_id && ctx.state.visible(p, ctx.now));
  if (!profile) return profileNotFound(ctx);
  const value = ctx.state.read(profile, ctx.now);
  const body = { ...entityBody(ctx, value), history: structuredClone(value.history) };
  return { status: 200, body: ctx.query.get('include_activity') === 'true' ? { ...body, activity: value.activity ?? { authn_count: 0 } } : body };
}

const identityBody = ({ profile_id: _profile, ...identity }: SimProfileIdentity) => structuredClone(identity);

/** Not paged: the SDK's `getProfileIdentities` takes no page parameters. */
function getProfileIdentities(ctx: RouteContext): SimResponse {
  const profile = profileFor(ctx);
  if (!profile) return profileNotFound(ctx);
  const identities = ctx.state.profileIdentities
    .filter((i) => i.value.profile_id === profile.value.id && ctx.state.visible(i, ctx.now))
    .map((i) => identityBody(i.value));
  return { status: 200, body: { entity_tag: profile.value.entity_tag, identities } };
}

function linkOf(ctx: RouteContext, profileId: string, type: string, identifier: string, pred: (i: Stored<SimProfileIdentity>) => boolean) {
  return ctx.state.profileIdentities.find((i) => i.value.profile_id === profileId && i.value.type === type && i.value.identifier === identifier && pred(i));
}

function linkNotFound(ctx: RouteContext, profileId: string): SimResponse {
  return ibmError(404, `Identity ${ctx.params.identifier_id} is not linked to trusted profile ${profileId}.`, ctx.transactionId, 'not_found');
}

function getProfileIdentity(ctx: RouteContext): SimResponse {
  const profile = profileFor(ctx);
  if (!profile) return profileNotFound(ctx);
  const link = linkOf(ctx, profile.value.id, ctx.params.identity_type!, ctx.params.identifier_id!, (i) => ctx.state.visible(i, ctx.now));
  return link ? { status: 200, body: identityBody(link.value) } : linkNotFound(ctx, profile.value.id);
}

const IDENTITY_TYPES = ['user', 'serviceid', 'crn'] as const;

/** The IAM id a link grants, derived from its identifier as IAM does. */
function iamIdOf(type: SimProfileIdentity['type'], identifier: string): string {
  if (type === 'serviceid') return `iam-${identifier}`;
  if (type === 'crn') return `crn-${identifier}`;
  return identifier;
}

/** `POST /v1/profiles/{id}/identities/{type}` (SDK `setProfileIdentity`): links one identity; 409 if it already is. */
function setProfileIdentity(ctx: RouteContext): SimResponse {
  const profile = profileFor(ctx);
  if (!profile) return profileNotFound(ctx);
  let body: { identifier?: unknown; type?: unknown; accounts?: unknown; description?: unknown };
  try {
    body = JSON.parse(ctx.rawBody || '{}');
  } catch {
    return ibmError(400, 'The request body is not valid JSON.', ctx.transactionId);
  }
  const type = ctx.params.identity_type as SimProfileIdentity['type'];
  if (!IDENTITY_TYPES.includes(type) || body.type !== type) {
    return ibmError(400, 'The identity type must be user, serviceid or crn, the same in the path and the body.', ctx.transactionId, 'invalid_parameter');
  }
  if (typeof body.identifier !== 'string' || body.identifier === '') {
    return ibmError(400, "Property 'identifier' missing or empty.", ctx.transactionId, 'missing_parameter');
  }
  const accounts = Array.isArray(body.accounts) ? body.accounts.filter((a): a is string => typeof a === 'string') : undefined;
  if (linkOf(ctx, profile.value.id, type, body.identifier, alive)) {
    return ibmError(409, `Identity ${body.identifier} is already linked to trusted profile ${profile.value.id}.`, ctx.transactionId, 'conflict');
  }
  const link: SimProfileIdentity = {
    profile_id: profile.value.id,
    iam_id: iamIdOf(type, body.identifier),
    identifier: body.identifier,
    type,
    ...(type === 'user' && accounts ? { accounts } : {}),
    ...(typeof body.description === 'string' ? { description: body.description } : {}),
  };
  ctx.state.profileIdentities.push(ctx.state.created(link, ctx.now));
  return { status: 200, body: identityBody(link) };
}

function deleteProfileIdentity(ctx: RouteContext): SimResponse {
  const profile = profileFor(ctx);
  if (!profile) return profileNotFound(ctx);
  const link = linkOf(ctx, profile.value.id, ctx.params.identity_type!, ctx.params.identifier_id!, alive);
  if (!link) return linkNotFound(ctx, profile.value.id);
  ctx.state.markDeleted(link, ctx.now);
  return { status: 204 };
}

export const profileAndServiceIdRoutes: Route[] = [
  { method: 'GET', pattern: '/v1/profiles', handler: listByAccount('/v1/profiles', 'profiles', (c) => c.state.profiles) },
  { method: 'GET', pattern: '/v1/profiles/:profile_id', handler: getProfile },
  { method: 'GET', pattern: '/v1/profiles/:profile_id/identities', handler: getProfileIdentities },
  { method: 'POST', pattern: '/v1/profiles/:profile_id/identities/:identity_type', handler: setProfileIdentity },
  { method: 'GET', pattern: '/v1/profiles/:profile_id/identities/:identity_type/:identifier_id', handler: getProfileIdentity },
  { method: 'DELETE', pattern: '/v1/profiles/:profile_id/identities/:identity_type/:identifier_id', handler: deleteProfileIdentity },
];
