import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import express4 from 'express4';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';

/**
 * A real SCIM 2.0 server from npm: SCIMMY's resources behind SCIMMY Routers, on express 4 (under
 * express 5 the routers' paging is lost: they assign to `req.query`, which express 5 recomputes on
 * every read). Its `eq` compares case-exactly. Test-only: nothing under src/ imports it.
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

export interface ScimmyServer {
  url: string;
  users: Map<string, StoredUser>;
  groups: Map<string, StoredGroup>;
  /** Requests that changed something (PATCH, DELETE, POST, PUT answered 2xx). */
  mutations(): number;
  /** Every request from now on is answered `status` (with Retry-After for a 429) before it reaches SCIMMY, until `heal`. */
  fail(status: number, retryAfterSeconds?: number): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startScimmyServer(seed: {
  token: string;
  users: StoredUser[];
  groups?: StoredGroup[];
  /** Express 5 shows SCIMMY Routers' paging bug: every page is answered as the first. */
  express?: 4 | 5;
}): Promise<ScimmyServer> {
  store.users = new Map(seed.users.map((u) => [u.id, plain<StoredUser>({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], active: true, ...u })]));
  store.groups = new Map((seed.groups ?? []).map((g) => [g.id, plain<StoredGroup>({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], ...g })]));
  declare();
  let failing: { status: number; retryAfter?: number } | undefined;
  let mutations = 0;
  const app = seed.express === 5 ? express5() : express4();
  app.use((req, res, next) => {
    if (failing) {
      if (failing.retryAfter !== undefined) res.setHeader('Retry-After', String(failing.retryAfter));
      res.status(failing.status).json({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(failing.status), detail: 'injected' });
      return;
    }
    res.on('finish', () => {
      if (req.method !== 'GET' && res.statusCode < 300) mutations += 1;
    });
    next();
  });
  app.use(
    '/scim/v2',
    new SCIMMYRouters({
      type: 'bearer',
      handler: (req) => {
        if (req.header('Authorization') !== `Bearer ${seed.token}`) throw new Error('the bearer token is not valid');
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
    mutations: () => mutations,
    fail: (status, retryAfter) => {
      failing = { status, ...(retryAfter !== undefined ? { retryAfter } : {}) };
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
