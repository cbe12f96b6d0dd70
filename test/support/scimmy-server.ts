import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5, { type Request, type RequestHandler } from 'express';
import express4 from 'express4';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';

/**
 * A real SCIM 2.0 server from npm: SCIMMY's resources behind SCIMMY Routers, on express 4 (under
 * express 5 the routers' paging is lost: they assign to `req.query`, which express 5 recomputes on
 * every read). Its `eq` compares case-exactly. It takes PATCH op values in any case ("Replace" as
 * well as "replace"), `{op, value: {active}}` with no path, and `remove` of `members` with a value
 * list. A vendor behaviour it lacks is emulated only by a named `ScimmyAdapter`. Test-only: nothing
 * under src/ imports it.
 */

interface StoredUser {
  id: string;
  userName: string;
  displayName?: string;
  emails?: { value: string; type?: string }[];
  active?: boolean;
  [key: string]: unknown;
}

interface StoredGroup {
  id: string;
  displayName: string;
  members?: { value: string; display?: string }[];
  [key: string]: unknown;
}

/** What one test seeds; the server's handlers read whichever store is current. */
const store = { users: new Map<string, StoredUser>(), groups: new Map<string, StoredGroup>(), next: 1 };

// SCIMMY answers 404 for any plain error a handler throws.
const notFound = (what: string) => new Error(`${what} not found`);
const plain = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;

let declared = false;
/** SCIMMY keeps its resources in one global registry: declared once per test process. */
function declare(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Resources.declare(SCIMMY.Resources.User)
    .egress((resource) => {
      if (resource.id) {
        const user = store.users.get(resource.id);
        if (!user) throw notFound(`User ${resource.id}`);
        return user;
      }
      const all = [...store.users.values()];
      return resource.filter ? resource.filter.match(all) : all;
    })
    .ingress((resource, instance) => {
      const data = plain<StoredUser>(instance);
      if (resource.id) {
        if (!store.users.has(resource.id)) throw notFound(`User ${resource.id}`);
        const user = { ...data, id: resource.id };
        store.users.set(resource.id, user);
        return user;
      }
      const user = { ...data, id: `u${store.next++}` };
      store.users.set(user.id, user);
      return user;
    })
    .degress((resource) => {
      if (!resource.id || !store.users.delete(resource.id)) throw notFound(`User ${resource.id}`);
      for (const g of store.groups.values()) g.members = (g.members ?? []).filter((m) => m.value !== resource.id);
    });
  SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .egress((resource) => {
      if (resource.id) {
        const group = store.groups.get(resource.id);
        if (!group) throw notFound(`Group ${resource.id}`);
        return group;
      }
      const all = [...store.groups.values()];
      return resource.filter ? resource.filter.match(all) : all;
    })
    .ingress((resource, instance) => {
      const data = plain<StoredGroup>(instance);
      const id = resource.id ?? `g${store.next++}`;
      if (resource.id && !store.groups.has(id)) throw notFound(`Group ${id}`);
      // SCIMMY leaves `members` out once the last one is removed, and its filter then throws on
      // `members.value eq`: the store keeps an empty list, as a database would.
      const group = { ...data, members: data.members ?? [], id };
      store.groups.set(id, group);
      return group;
    })
    .degress((resource) => {
      if (!resource.id || !store.groups.delete(resource.id)) throw notFound(`Group ${resource.id}`);
    });
}

/** One request as the server answered it, path under the base URL (e.g. `/Users/u1`). */
export interface ScimmyCall {
  method: string;
  path: string;
  query: string;
  status: number;
  body?: unknown;
}

/**
 * A documented vendor behaviour SCIMMY does not have, emulated by a thin wrapper in front of it
 * (SCIMMY still stores, filters and answers everything else):
 * - `cursor-paging`: AWS IAM Identity Center's ListUsers ignores `startIndex`; paging "must include
 *   cursor", empty for the first page, and answers `nextCursor` while more remain; without `cursor`
 *   it answers one page, not paginated (https://docs.aws.amazon.com/singlesignon/latest/developerguide/listusers.html).
 * - `delete-deactivates`: Slack's `DELETE /Users/{id}` "Sets a Slack user to deactivated": the user
 *   stays readable with `active: false` (https://docs.slack.dev/reference/scim-api/scim-api-2).
 */
export type ScimmyAdapter = 'cursor-paging' | 'delete-deactivates';

export interface ScimmyServer {
  url: string;
  users: Map<string, StoredUser>;
  groups: Map<string, StoredGroup>;
  /** Every request answered, in order (those answered by `fail` too). */
  calls: ScimmyCall[];
  /** Requests that changed something (PATCH, DELETE, POST, PUT answered 2xx). */
  mutations(): number;
  /** Every request from now on is answered `status` (with Retry-After when given, and `headers`) before it reaches SCIMMY, until `heal`. */
  fail(status: number, retryAfterSeconds?: number, headers?: Record<string, string>): void;
  heal(): void;
  close(): Promise<void>;
}

const scimErrorBody = (status: number, detail: string) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail });

const encodeCursor = (startIndex: number) => Buffer.from(String(startIndex)).toString('base64url');

/**
 * AWS-style cursor paging over SCIMMY's index paging: `startIndex` ignored; without `cursor`, one
 * page as SCIMMY answers it (no nextCursor); with `cursor` (empty for the first page), the page
 * after it, with `itemsPerPage` and a `nextCursor` while more remain.
 */
function cursorPaging(): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' || !/^\/(Users|Groups)\/?$/.test(req.path)) return next();
    const query = req.query as Record<string, unknown>;
    const cursor = query.cursor;
    delete query.cursor;
    delete query.startIndex;
    if (cursor === undefined) return next();
    const start = cursor === '' ? 1 : typeof cursor === 'string' ? Number(Buffer.from(cursor, 'base64url').toString()) : Number.NaN;
    if (!Number.isInteger(start) || start < 1) {
      res.status(400).json(scimErrorBody(400, 'the cursor is not valid'));
      return;
    }
    query.startIndex = String(start);
    const send = res.send.bind(res);
    res.send = (body: unknown) => {
      // SCIMMY sends its ListResponse as an object; express sends it on as a string, passed through here.
      if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return send(body);
      const { Resources = [], totalResults = 0, schemas } = plain<{ schemas?: string[]; totalResults?: number; Resources?: unknown[] }>(body);
      const after = start + Resources.length;
      return send({
        schemas,
        itemsPerPage: Resources.length,
        Resources,
        ...(Resources.length > 0 && after <= totalResults ? { nextCursor: encodeCursor(after) } : {}),
      });
    };
    next();
  };
}

/** Slack-style DELETE: the user stays, deactivated. */
function deleteDeactivates(): RequestHandler {
  return (req, res, next) => {
    const id = /^\/Users\/([^/]+)$/.exec(req.path)?.[1];
    if (req.method !== 'DELETE' || id === undefined) return next();
    const user = store.users.get(decodeURIComponent(id));
    if (!user) {
      res.status(404).json(scimErrorBody(404, `User ${id} not found`));
      return;
    }
    user.active = false;
    res.status(204).end();
  };
}

const ADAPTERS: Record<ScimmyAdapter, () => RequestHandler> = { 'cursor-paging': cursorPaging, 'delete-deactivates': deleteDeactivates };

export async function startScimmyServer(seed: {
  token: string;
  users: StoredUser[];
  groups?: StoredGroup[];
  /** Express 5 shows SCIMMY Routers' paging bug: every page is answered as the first. */
  express?: 4 | 5;
  adapters?: readonly ScimmyAdapter[];
}): Promise<ScimmyServer> {
  store.users = new Map(seed.users.map((u) => [u.id, plain<StoredUser>({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], active: true, ...u })]));
  store.groups = new Map((seed.groups ?? []).map((g) => [g.id, plain<StoredGroup>({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], ...g })]));
  declare();
  let failing: { status: number; retryAfter?: number; headers?: Record<string, string> } | undefined;
  const calls: ScimmyCall[] = [];
  const authorised = (req: Request) => req.header('Authorization') === `Bearer ${seed.token}`;
  const app = seed.express === 5 ? express5() : express4();
  app.use((req, res, next) => {
    res.on('finish', () => {
      const url = new URL(req.originalUrl, 'http://scimmy');
      const body: unknown = req.body;
      const sent = body !== undefined && body !== null && typeof body === 'object' && Object.keys(body).length > 0;
      calls.push({
        method: req.method,
        path: url.pathname.replace(/^\/scim\/v2/, ''),
        query: url.search.slice(1),
        status: res.statusCode,
        ...(sent ? { body } : {}),
      });
    });
    if (failing) {
      for (const [name, value] of Object.entries(failing.headers ?? {})) res.setHeader(name, value);
      if (failing.retryAfter !== undefined) res.setHeader('Retry-After', String(failing.retryAfter));
      res.status(failing.status).json(scimErrorBody(failing.status, 'injected'));
      return;
    }
    next();
  });
  for (const adapter of seed.adapters ?? []) {
    // Behind the same bearer check SCIMMY Routers make: an adapter answers only an authorised client.
    app.use(
      '/scim/v2',
      (req, res, next) => (authorised(req) ? next() : res.status(401).json(scimErrorBody(401, 'the bearer token is not valid'))),
      ADAPTERS[adapter](),
    );
  }
  app.use(
    '/scim/v2',
    new SCIMMYRouters({
      type: 'bearer',
      handler: (req) => {
        if (!authorised(req)) throw new Error('the bearer token is not valid');
        return 'offboard-bot';
      },
    }),
  );
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/scim/v2/`,
    users: store.users,
    groups: store.groups,
    calls,
    mutations: () => calls.filter((c) => c.method !== 'GET' && c.status < 300).length,
    fail: (status, retryAfter, headers) => {
      failing = { status, ...(retryAfter !== undefined ? { retryAfter } : {}), ...(headers ? { headers } : {}) };
    },
    heal: () => {
      failing = undefined;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
