import type { ScimProfile } from '../../connectors/scim/profile.js';

/** A user of the simulated application. */
export interface SimScimUser {
  id: string;
  userName: string;
  displayName?: string;
  emails?: { value: string; type?: string }[];
  active?: boolean;
}

export interface SimScimGroup {
  id: string;
  displayName: string;
  members: string[];
}

/** What the simulator answers: a status, a SCIM body and headers. */
export interface SimAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export const scimError = (status: number, detail: string, scimType?: string): SimAnswer => ({
  status,
  body: { schemas: [ERROR], status: String(status), detail, ...(scimType ? { scimType } : {}) },
});

/**
 * The users and groups of one SCIM application, answering as the vendor of `profile` does: its
 * DELETE, whether `active` may be patched (and back), the only PATCH dialect it accepts, its paging
 * and its filters (case-exact where it says so), and Groups only where it has them.
 */
export class ScimDirectory {
  readonly users = new Map<string, Required<SimScimUser>>();
  readonly groups = new Map<string, SimScimGroup>();
  /** Users whose `active` no change sticks to (an IdP sync putting it back): read-backs never confirm. */
  readonly pinned = new Set<string>();

  constructor(
    readonly profile: ScimProfile,
    users: SimScimUser[],
    groups: SimScimGroup[],
  ) {
    for (const u of users) this.users.set(u.id, { displayName: u.userName, emails: [], active: true, ...u });
    for (const g of groups) this.groups.set(g.id, { ...g, members: [...g.members] });
  }

  route(method: string, path: string, query: URLSearchParams, body: unknown): SimAnswer {
    const [, resource, rawId, extra] = path.split('/');
    const id = rawId ? decodeURIComponent(rawId) : undefined;
    if (extra !== undefined || (resource !== 'Users' && resource !== 'Groups')) return scimError(404, `no endpoint ${path}`);
    if (resource === 'Groups' && !this.profile.groups) return scimError(404, 'this application has no Groups');
    if (!id) return method === 'GET' ? this.list(resource, query) : scimError(405, `${method} ${path} is not supported here`);
    if (resource === 'Users') {
      if (method === 'GET') return this.getUser(id);
      if (method === 'PATCH') return this.patchUser(id, body);
      if (method === 'DELETE') return this.deleteUser(id);
    } else {
      if (method === 'GET') return this.getGroup(id);
      if (method === 'PATCH') return this.patchGroup(id, body);
    }
    return scimError(405, `${method} ${path} is not supported here`);
  }

  userResource(u: Required<SimScimUser>) {
    return {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: u.id,
      userName: u.userName,
      displayName: u.displayName,
      emails: u.emails,
      active: u.active,
      meta: { resourceType: 'User' },
    };
  }

  private groupResource(g: SimScimGroup) {
    return {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: g.id,
      displayName: g.displayName,
      members: g.members.map((value) => ({ value })),
      meta: { resourceType: 'Group' },
    };
  }

  private list(resource: 'Users' | 'Groups', query: URLSearchParams): SimAnswer {
    const filter = query.get('filter');
    let all: unknown[];
    if (resource === 'Users') {
      const match = filter === null ? () => true : this.userFilter(filter);
      if (typeof match !== 'function') return match;
      all = [...this.users.values()].filter(match).map((u) => this.userResource(u));
    } else {
      const member = filter === null ? undefined : /^members\.value eq "((?:[^"\\]|\\.)*)"$/.exec(filter);
      if (filter !== null && (!member || this.profile.groups === false || this.profile.groups.find !== 'members-filter')) {
        return scimError(400, `unsupported filter: ${filter}`, 'invalidFilter');
      }
      const wanted = member ? (JSON.parse(`"${member[1]}"`) as string) : undefined;
      all = [...this.groups.values()].filter((g) => wanted === undefined || g.members.includes(wanted)).map((g) => this.groupResource(g));
    }
    const count = Math.min(Number(query.get('count') ?? this.profile.paging.pageSize), this.profile.paging.pageSize);
    if (this.profile.paging.style === 'cursor') {
      if (query.has('startIndex')) return scimError(400, 'startIndex is not supported: page with cursor', 'invalidValue');
      // AWS: without `cursor` the answer is not paginated (totalResults, startIndex, itemsPerPage, and
      // no nextCursor); paging starts with an empty `cursor`.
      if (!query.has('cursor')) {
        const page = all.slice(0, count);
        return { status: 200, body: { schemas: [LIST], totalResults: all.length, startIndex: 1, itemsPerPage: page.length, Resources: page } };
      }
      const start = query.get('cursor') ? Number(Buffer.from(query.get('cursor')!, 'base64url').toString()) : 0;
      const page = all.slice(start, start + count);
      const next = start + count < all.length ? Buffer.from(String(start + count)).toString('base64url') : undefined;
      return { status: 200, body: { schemas: [LIST], itemsPerPage: page.length, Resources: page, ...(next ? { nextCursor: next } : {}) } };
    }
    const startIndex = Math.max(1, Number(query.get('startIndex') ?? 1));
    const page = all.slice(startIndex - 1, startIndex - 1 + count);
    return { status: 200, body: { schemas: [LIST], totalResults: all.length, startIndex, itemsPerPage: page.length, Resources: page } };
  }

  /** The filters a client uses to find a person, as the profile allows them; anything else is refused. */
  private userFilter(filter: string): ((u: Required<SimScimUser>) => boolean) | SimAnswer {
    const m = /^(userName|emails\[type eq "work"\]\.value|emails\.value) eq "((?:[^"\\]|\\.)*)"$/.exec(filter);
    const attribute = m?.[1];
    const allowed =
      attribute === 'userName' || (attribute?.startsWith('emails[') ? this.profile.filter.emails === 'typed' : this.profile.filter.emails === 'plain');
    if (!m || !allowed) return scimError(400, `unsupported filter: ${filter}`, 'invalidFilter');
    const value = JSON.parse(`"${m[2]}"`) as string;
    const same = this.profile.filter.caseExact ? (a: string) => a === value : (a: string) => a.toLowerCase() === value.toLowerCase();
    if (attribute === 'userName') return (u) => same(u.userName);
    const typed = attribute !== 'emails.value';
    return (u) => u.emails.some((e) => (!typed || e.type === 'work') && same(e.value));
  }

  private getUser(id: string): SimAnswer {
    const u = this.users.get(id);
    return u ? { status: 200, body: this.userResource(u) } : scimError(404, `no user ${id}`);
  }

  private getGroup(id: string): SimAnswer {
    const g = this.groups.get(id);
    return g ? { status: 200, body: this.groupResource(g) } : scimError(404, `no group ${id}`);
  }

  /** The operations of a PatchOp, each in this vendor's dialect, or the 400 a strict server answers. */
  private operations(body: unknown): { op: string; path?: string; value?: unknown }[] | SimAnswer {
    const b = body as { schemas?: unknown; Operations?: unknown } | null;
    if (!Array.isArray(b?.schemas) || !b.schemas.includes(PATCH_OP)) return scimError(400, 'not a PatchOp message', 'invalidSyntax');
    if (!Array.isArray(b.Operations) || b.Operations.length === 0) return scimError(400, 'a PatchOp needs at least one operation', 'invalidSyntax');
    const ops = b.Operations as { op?: unknown; path?: unknown; value?: unknown }[];
    const cased = this.profile.patch.opCase === 'capitalised' ? /^(Add|Remove|Replace)$/ : /^(add|remove|replace)$/;
    for (const o of ops) {
      if (typeof o.op !== 'string' || !cased.test(o.op)) return scimError(400, `op "${String(o.op)}" is not one this application accepts`, 'invalidSyntax');
    }
    return ops.map((o) => ({ op: String(o.op).toLowerCase(), ...(typeof o.path === 'string' ? { path: o.path } : {}), value: o.value }));
  }

  private patchUser(id: string, body: unknown): SimAnswer {
    const u = this.users.get(id);
    if (!u) return scimError(404, `no user ${id}`);
    const ops = this.operations(body);
    if (!Array.isArray(ops)) return ops;
    for (const o of ops) {
      const valueObject = o.path === undefined && typeof o.value === 'object' && o.value !== null;
      if ((this.profile.patch.form === 'path') !== (o.path !== undefined) || (this.profile.patch.form === 'value-object' && !valueObject)) {
        return scimError(
          400,
          `this application takes a PATCH ${this.profile.patch.form === 'path' ? 'with a path' : 'with a value object and no path'}`,
          'invalidPath',
        );
      }
      const active = o.path === 'active' ? o.value : (o.value as { active?: unknown } | undefined)?.active;
      if (o.op !== 'replace' || typeof active !== 'boolean' || (o.path !== undefined && o.path !== 'active')) {
        return scimError(400, 'only a replace of active is supported here', 'invalidValue');
      }
      if (!active && !this.profile.patchActive) return scimError(400, 'active cannot be patched to false here: DELETE the user', 'mutability');
      if (active && !u.active && !this.profile.reactivate) return scimError(400, 'a deactivated user cannot be reactivated', 'mutability');
      if (!this.pinned.has(id)) u.active = active;
    }
    return { status: 200, body: this.userResource(u) };
  }

  private deleteUser(id: string): SimAnswer {
    const u = this.users.get(id);
    if (!u) return scimError(404, `no user ${id}`);
    if (this.profile.delete === 'unsupported') return scimError(405, 'users cannot be deleted here');
    if (this.profile.delete === 'deactivate') {
      if (!this.pinned.has(id)) u.active = false;
    } else {
      this.users.delete(id);
      for (const g of this.groups.values()) g.members = g.members.filter((m) => m !== id);
    }
    return { status: 204 };
  }

  private patchGroup(id: string, body: unknown): SimAnswer {
    const g = this.groups.get(id);
    if (!g || !this.profile.groups) return scimError(404, `no group ${id}`);
    const ops = this.operations(body);
    if (!Array.isArray(ops)) return ops;
    const form = this.profile.groups.remove;
    for (const o of ops) {
      const listed = Array.isArray(o.value) ? (o.value as { value?: unknown }[]).map((v) => v?.value).filter((v): v is string => typeof v === 'string') : [];
      const filtered = o.path === undefined ? null : /^members\[value eq "((?:[^"\\]|\\.)*)"\]$/.exec(o.path);
      if (o.op === 'add' && o.path === 'members' && listed.length) {
        for (const m of listed) if (this.users.has(m) && !g.members.includes(m)) g.members.push(m);
      } else if (o.op === 'remove' && form === 'path-filter' && filtered) {
        const m = JSON.parse(`"${filtered[1]}"`) as string;
        g.members = g.members.filter((x) => x !== m);
      } else if (o.op === 'remove' && form === 'value-list' && o.path === 'members' && listed.length) {
        g.members = g.members.filter((x) => !listed.includes(x));
      } else {
        return scimError(400, `this application does not take ${JSON.stringify({ op: o.op, path: o.path })} on a group`, 'invalidPath');
      }
    }
    return { status: 200, body: this.groupResource(g) };
  }
}
