import { wellFormedDeep } from '../../well-formed.js';
import { PermanentError } from '../step-errors.js';
import { classifyScimAnswer, classifyScimNoAnswer, type ScimAnswerer } from './classify-scim-answer.js';
import { patchOp, type ScimProfile } from './profile.js';

/** One declared SCIM application, as its client needs it. */
export interface ScimInstance {
  /** The declared app's id: the system id, and the label of its metrics. */
  id: string;
  name: string;
  /** Ends with a slash, so `Users/…` resolves under it. */
  baseUrl: string;
  token: string;
  /** The variable the token was read from, named in every refusal. */
  tokenEnv: string;
  timeoutMs: number;
  profile: ScimProfile;
}

/** A user as SCIM reports it. */
export interface ScimUser {
  id: string;
  userName: string;
  active: boolean;
  emails: string[];
  displayName: string;
}

/** A group with the ids of its members. */
export interface ScimGroup {
  id: string;
  displayName: string;
  members: string[];
}

/** Counts one call by outcome: `ok`, the HTTP status, or `network` when no answer came. */
export type ScimCallCounter = (operation: string, status: string) => void;

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Answer {
  status: number;
  body: unknown;
}

/**
 * The only module that speaks to a SCIM 2.0 application (RFC 7644). What differs between vendors
 * comes from its profile. Every request goes through `call`, which applies the per-call timeout,
 * counts the call and classifies errors once; it never retries, because BullMQ owns retrying.
 */
export class ScimClient {
  private readonly who: ScimAnswerer;

  constructor(
    readonly instance: ScimInstance,
    private readonly countCall?: ScimCallCounter,
  ) {
    this.who = { name: instance.name, tokenEnv: instance.tokenEnv, profile: instance.profile };
  }

  get profile(): ScimProfile {
    return this.instance.profile;
  }

  /**
   * The one user who is the person: userName, then the work email, each compared here exactly and
   * case-insensitively (a server's filter may compare case-exactly, or loosely). Two different users
   * are refused, never guessed between. Undefined when none matches.
   */
  async findPerson(email: string): Promise<ScimUser | undefined> {
    const wanted = email.toLowerCase();
    const candidates = this.profile.filter.caseExact ? await this.listUsers() : await this.filteredCandidates(email);
    const matches = new Map<string, ScimUser>();
    for (const user of candidates) {
      if (user.userName.toLowerCase() === wanted || user.emails.some((e) => e.toLowerCase() === wanted)) matches.set(user.id, user);
    }
    if (matches.size > 1) {
      const ids = [...matches.keys()].sort().join(', ');
      throw new PermanentError(
        `find ${email}: ${matches.size} users of ${this.instance.name} have that user name or email (ids ${ids}); refusing to guess which one is the person. Remove the duplicate in ${this.instance.name}, then retry`,
      );
    }
    return matches.values().next().value;
  }

  /** One page of one user: proves the base URL and the token work, whatever the ids look like. */
  async probe(): Promise<void> {
    const query: Record<string, string> = { count: '1', ...(this.profile.paging.style === 'index' ? { startIndex: '1' } : {}) };
    await this.call('check access', 'GET', 'Users', { query });
  }

  /** Undefined when the application has no such user. */
  async getUser(id: string): Promise<ScimUser | undefined> {
    const answer = await this.call('get user', 'GET', `Users/${encodeURIComponent(id)}`, { absent: [404] });
    return answer.status === 404 ? undefined : userOf('get user', answer.body, this.instance.name);
  }

  /** PATCHes `active` in the profile's dialect; false when the user does not exist. */
  async setActive(id: string, active: boolean): Promise<boolean> {
    const operation = active ? 'reactivate user' : 'deactivate user';
    const op = patchOp(this.profile, 'replace');
    const change = this.profile.patch.form === 'path' ? { op, path: 'active', value: active } : { op, value: { active } };
    const answer = await this.call(operation, 'PATCH', `Users/${encodeURIComponent(id)}`, {
      absent: [404],
      body: { schemas: [PATCH_OP], Operations: [change] },
    });
    return answer.status !== 404;
  }

  /** DELETE, whatever the profile says it means; false when the user was already gone. */
  async deleteUser(id: string): Promise<boolean> {
    const answer = await this.call('delete user', 'DELETE', `Users/${encodeURIComponent(id)}`, { absent: [404] });
    return answer.status !== 404;
  }

  /** Every group the user is a member of, every page followed, membership checked here. */
  async groupsOf(userId: string): Promise<ScimGroup[]> {
    const groups = this.profile.groups;
    if (!groups) return [];
    const listed = groups.find === 'members-filter' ? await this.list('Groups', `members.value eq ${JSON.stringify(userId)}`) : await this.list('Groups');
    return listed.map((g) => groupOf('list groups', g, this.instance.name)).filter((g) => g.members.includes(userId));
  }

  /** Undefined when the group does not exist. */
  async getGroup(id: string): Promise<ScimGroup | undefined> {
    const answer = await this.call('get group', 'GET', `Groups/${encodeURIComponent(id)}`, { absent: [404] });
    return answer.status === 404 ? undefined : groupOf('get group', answer.body, this.instance.name);
  }

  /** Takes the user out of the group; false when the group no longer exists. */
  async removeMember(groupId: string, userId: string): Promise<boolean> {
    const op = patchOp(this.profile, 'remove');
    const change =
      this.profile.groups && this.profile.groups.remove === 'value-list'
        ? { op, path: 'members', value: [{ value: userId }] }
        : { op, path: `members[value eq ${JSON.stringify(userId)}]` };
    const answer = await this.call('remove group member', 'PATCH', `Groups/${encodeURIComponent(groupId)}`, {
      absent: [404],
      body: { schemas: [PATCH_OP], Operations: [change] },
    });
    return answer.status !== 404;
  }

  /** Puts the user back in the group; false when the group no longer exists. */
  async addMember(groupId: string, userId: string): Promise<boolean> {
    const change = { op: patchOp(this.profile, 'add'), path: 'members', value: [{ value: userId }] };
    const answer = await this.call('add group member', 'PATCH', `Groups/${encodeURIComponent(groupId)}`, {
      absent: [404],
      body: { schemas: [PATCH_OP], Operations: [change] },
    });
    return answer.status !== 404;
  }

  private async filteredCandidates(email: string): Promise<ScimUser[]> {
    const quoted = JSON.stringify(email);
    const filters = [`userName eq ${quoted}`];
    if (this.profile.filter.emails === 'typed') filters.push(`emails[type eq "work"].value eq ${quoted}`);
    if (this.profile.filter.emails === 'plain') filters.push(`emails.value eq ${quoted}`);
    const pages = await Promise.all(filters.map((f) => this.listUsers(f)));
    return pages.flat();
  }

  private async listUsers(filter?: string): Promise<ScimUser[]> {
    return (await this.list('Users', filter)).map((u) => userOf('list users', u, this.instance.name));
  }

  /**
   * Every resource of a list, every page followed as the profile pages. A server that answers the
   * same resources again instead of the next page (one that ignores startIndex) is refused, not
   * looped on: what it holds beyond its first page could not be seen.
   */
  private async list(resource: 'Users' | 'Groups', filter?: string): Promise<unknown[]> {
    const operation = `list ${resource.toLowerCase()}`;
    const { style, pageSize } = this.profile.paging;
    const all: unknown[] = [];
    const seen = new Set<string>();
    let startIndex = 1;
    let cursor: string | undefined;
    for (;;) {
      const query: Record<string, string> = { count: String(pageSize) };
      if (filter) query.filter = filter;
      if (style === 'index') query.startIndex = String(startIndex);
      // Cursor paging starts from an empty cursor: without one, AWS answers a single page and no nextCursor.
      else query.cursor = cursor ?? '';
      const { body } = await this.call(operation, 'GET', resource, { query });
      const page = body as { Resources?: unknown; totalResults?: unknown; nextCursor?: unknown } | null;
      const resources = Array.isArray(page?.Resources) ? page.Resources : [];
      for (const r of resources) {
        const id = (r as { id?: unknown } | null)?.id;
        if (typeof id === 'string' && seen.has(id)) {
          throw new PermanentError(
            `${operation}: ${this.instance.name} answered ${id} again on a later page: it does not page as the "${this.profile.id}" profile says (${style}), so the list cannot be read whole`,
          );
        }
        if (typeof id === 'string') seen.add(id);
        all.push(r);
      }
      if (style === 'cursor') {
        cursor = typeof page?.nextCursor === 'string' && page.nextCursor !== '' ? page.nextCursor : undefined;
        if (!cursor || resources.length === 0) return all;
      } else {
        const total = typeof page?.totalResults === 'number' ? page.totalResults : undefined;
        startIndex += resources.length;
        if (resources.length === 0 || (total !== undefined ? all.length >= total : resources.length < pageSize)) return all;
      }
    }
  }

  /** Resolves with 2xx answers and the `absent` statuses the caller handles; throws classified errors. */
  private async call(
    operation: string,
    method: string,
    path: string,
    opts: { absent?: number[]; body?: unknown; query?: Record<string, string> } = {},
  ): Promise<Answer> {
    const url = new URL(path, this.instance.baseUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.instance.token}`,
          Accept: 'application/scim+json, application/json',
          ...(opts.body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}),
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        // Covers the body too: a stalled answer is cut off like a missing one.
        signal: AbortSignal.timeout(this.instance.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      this.countCall?.(operation, 'network');
      throw classifyScimNoAnswer(this.who, operation, err, this.instance.timeoutMs);
    }
    const ok = res.status >= 200 && res.status < 300;
    this.countCall?.(operation, ok ? 'ok' : String(res.status));
    // Names and emails in SCIM answers are outside text: well-formed before anything records them.
    const parsed = wellFormedDeep(parseBody(text));
    if (ok || opts.absent?.includes(res.status)) return { status: res.status, body: parsed };
    throw classifyScimAnswer(this.who, operation, { status: res.status, headers: res.headers, body: parsed });
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A 2xx that is not a User resource (a proxy's page, a wrong base URL) must not pass as one. */
function userOf(operation: string, body: unknown, app: string): ScimUser {
  const u = body as { id?: unknown; userName?: unknown; active?: unknown; emails?: unknown; displayName?: unknown } | null;
  if (typeof u?.id !== 'string' || typeof u.userName !== 'string') {
    throw new PermanentError(`${operation}: ${app} answered without a SCIM user resource; check its base_url`);
  }
  const emails = Array.isArray(u.emails) ? u.emails.map((e: { value?: unknown } | null) => e?.value).filter((v): v is string => typeof v === 'string') : [];
  // RFC 7643 §4.1.1: a user without `active` is not said to be inactive.
  return { id: u.id, userName: u.userName, active: u.active !== false, emails, displayName: typeof u.displayName === 'string' ? u.displayName : '' };
}

function groupOf(operation: string, body: unknown, app: string): ScimGroup {
  const g = body as { id?: unknown; displayName?: unknown; members?: unknown } | null;
  if (typeof g?.id !== 'string') throw new PermanentError(`${operation}: ${app} answered without a SCIM group resource; check its base_url`);
  const members = Array.isArray(g.members) ? g.members.map((m: { value?: unknown } | null) => m?.value).filter((v): v is string => typeof v === 'string') : [];
  return { id: g.id, displayName: typeof g.displayName === 'string' ? g.displayName : g.id, members };
}
