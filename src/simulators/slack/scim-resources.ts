import type { ScimUserState } from './scim-types.js';
import type { SimSlackUser } from './types.js';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export function scimState(u: SimSlackUser): ScimUserState {
  return { id: u.id, userName: u.name, displayName: u.name, emails: u.email !== undefined ? [u.email] : [], active: !u.deleted };
}

/** A User resource in the shape Slack's SCIM v2 answers with (the fields a client may read). */
export function scimUserResource(u: SimSlackUser, baseUrl: string): Record<string, unknown> {
  const [givenName = '', ...rest] = u.realName.split(' ');
  return {
    schemas: [USER_SCHEMA],
    id: u.id,
    externalId: '',
    meta: { created: '2023-11-14T22:13:20-00:00', location: `${baseUrl}Users/${u.id}` },
    userName: u.name,
    nickName: u.name,
    name: { givenName, familyName: rest.join(' ') },
    displayName: u.name,
    profileUrl: `https://simulated.slack.com/team/${u.name}`,
    title: '',
    timezone: u.tz ?? 'Europe/London',
    active: !u.deleted,
    emails: u.email !== undefined ? [{ value: u.email, primary: true }] : [],
    photos: [],
    groups: [],
  };
}

/** RFC 7644 §3.12: `status` is the HTTP status as a string. */
export function scimErrorBody(status: number, detail: string, scimType?: string): Record<string, unknown> {
  return { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType !== undefined ? { scimType } : {}), detail };
}

export function scimListBody(resources: unknown[], totalResults: number, startIndex: number): Record<string, unknown> {
  return { schemas: [LIST_SCHEMA], totalResults, itemsPerPage: resources.length, startIndex, Resources: resources };
}

export type UserPredicate = (u: SimSlackUser) => boolean;

/**
 * The filters a client looks a person up with: `userName eq "x"` and `emails.value eq "x"`
 * (`emails eq` too). Attribute names and values compare case-insensitively, as both attributes
 * are `caseExact: false` in the core schema. Anything else is undefined (the caller answers 400).
 */
export function parseUserFilter(filter: string): UserPredicate | undefined {
  const m = /^\s*([A-Za-z.]+)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!m) return undefined;
  const attribute = m[1]!.toLowerCase();
  const wanted = m[2]!.replace(/\\(.)/g, '$1').toLowerCase();
  if (attribute === 'username') return (u) => u.name.toLowerCase() === wanted;
  if (attribute === 'emails.value' || attribute === 'emails') return (u) => u.email?.toLowerCase() === wanted;
  return undefined;
}
