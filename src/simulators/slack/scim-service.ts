import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { retryAfterHeader, ScimFaults } from './scim-faults.js';
import { parseUserFilter, scimErrorBody, scimListBody, scimState, scimUserResource } from './scim-resources.js';
import type { ScimCall, ScimFaultStatus, ScimSessionEnd, ScimSimulator } from './scim-types.js';
import type { SlackState } from './slack-state.js';
import type { SimSlackUser } from './types.js';

/** Where SCIM v2 lives on the simulator, as on api.slack.com. */
export const SCIM_PREFIX = '/scim/v2/';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const DEFAULT_COUNT = 100;
const MAX_COUNT = 1000;

const FAULT_DETAIL: Record<ScimFaultStatus, string> = {
  403: 'The token user is not allowed to manage this user (injected fault).',
  429: 'Too many requests (injected fault).',
  500: 'Internal server error (injected fault).',
  503: 'Service temporarily unavailable (injected fault).',
};

interface Answer {
  status: number;
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/**
 * Slack's SCIM v2 user API over the simulated workspace's users: reads, deactivation and
 * reactivation (PATCH `active`, or DELETE, which only deactivates: Slack never deletes a user).
 * Only the admin user token is accepted. A deactivated user shows `deleted: true` in `users.info`.
 */
export class ScimService {
  readonly calls: ScimCall[] = [];
  readonly sessionEnds: ScimSessionEnd[] = [];
  private readonly faults = new ScimFaults();
  private readonly pinned = new Map<string, boolean>();

  constructor(
    private readonly state: SlackState,
    private readonly adminToken: string,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, baseUrl: string): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice(SCIM_PREFIX.length - 1);
    const fault = this.faults.take(method, path);
    if (fault?.delayMs) await sleep(fault.delayMs);
    const at = Date.now();
    let answer = this.authorize(req.headers.authorization);
    if (!answer && fault?.status !== undefined) {
      if (fault.afterApply) this.route(method, path, url.searchParams, body, baseUrl);
      answer = {
        status: fault.status,
        body: scimErrorBody(fault.status, FAULT_DETAIL[fault.status]),
        ...(fault.retryAfter !== undefined ? { headers: { 'Retry-After': retryAfterHeader(fault.retryAfter) } } : {}),
      };
    }
    answer ??= this.route(method, path, url.searchParams, body, baseUrl);
    this.calls.push({ method, path, query: url.search.slice(1), status: answer.status, at });
    send(res, answer);
  }

  /** The helpers tests use to see and change the true state behind the API. */
  simulator(url: string): ScimSimulator {
    return {
      url,
      user: (id) => {
        const u = this.scimUser(id);
        return u && scimState(u);
      },
      reactivateFromOutside: (id) => {
        const u = this.scimUser(id);
        if (!u) throw new Error(`reactivateFromOutside: no SCIM user ${id} in the simulator`);
        u.deleted = false;
      },
      deactivateFromOutside: (id) => {
        const u = this.scimUser(id);
        if (!u) throw new Error(`deactivateFromOutside: no SCIM user ${id} in the simulator`);
        u.deleted = true;
      },
      pinActive: (id, active) => {
        if (!this.scimUser(id)) throw new Error(`pinActive: no SCIM user ${id} in the simulator`);
        if (active === undefined) this.pinned.delete(id);
        else this.pinned.set(id, active);
      },
      calls: this.calls,
      sessionEnds: this.sessionEnds,
      fault: (rule) => this.faults.inject(rule),
      clearFaults: () => this.faults.clear(),
    };
  }

  private authorize(header: string | undefined): Answer | undefined {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    if (token === undefined) return { status: 401, body: scimErrorBody(401, 'not_authed: no Bearer token was sent') };
    if (token === this.state.botToken) {
      return { status: 403, body: scimErrorBody(403, 'missing_scope: SCIM needs a user token with the admin scope, not a bot token') };
    }
    if (token !== this.adminToken) return { status: 401, body: scimErrorBody(401, 'invalid_authentication') };
    return undefined;
  }

  private route(method: string, path: string, query: URLSearchParams, body: Buffer, baseUrl: string): Answer {
    if (path === '/Users') {
      return method === 'GET' ? this.list(query, baseUrl) : notSimulated(method, path);
    }
    const m = /^\/Users\/([^/]+)$/.exec(path);
    if (!m) return { status: 404, body: scimErrorBody(404, `no SCIM resource at ${path}`) };
    const user = this.scimUser(decodeURIComponent(m[1]!));
    if (method !== 'GET' && method !== 'PATCH' && method !== 'DELETE') return notSimulated(method, path);
    if (!user) return { status: 404, body: scimErrorBody(404, 'user_not_found') };
    if (method === 'GET') return { status: 200, body: scimUserResource(user, baseUrl) };
    if (method === 'DELETE') {
      this.setActive(user, false, 'DELETE');
      this.undoIfPinned(user);
      return { status: 204 };
    }
    const active = activeFromPatch(body);
    if (typeof active === 'string') return { status: 400, body: scimErrorBody(400, active, 'invalidValue') };
    this.setActive(user, active, 'PATCH');
    const answer = { status: 200, body: scimUserResource(user, baseUrl) };
    this.undoIfPinned(user);
    return answer;
  }

  private list(query: URLSearchParams, baseUrl: string): Answer {
    const filter = query.get('filter');
    const predicate = filter === null ? () => true : parseUserFilter(filter);
    if (!predicate) {
      return { status: 400, body: scimErrorBody(400, 'the simulator filters only on userName eq "…" and emails.value eq "…"', 'invalidFilter') };
    }
    const matches = [...this.state.users.values()].filter((u) => !u.isBot && predicate(u));
    // RFC 7644 §3.4.2.4: a startIndex below 1 means 1, a negative count means 0.
    const startIndex = Math.max(1, Math.trunc(Number(query.get('startIndex') ?? 1)) || 1);
    const count = Math.min(MAX_COUNT, Math.max(0, Math.trunc(Number(query.get('count') ?? DEFAULT_COUNT)) || 0));
    const page = matches.slice(startIndex - 1, startIndex - 1 + count).map((u) => scimUserResource(u, baseUrl));
    return { status: 200, body: scimListBody(page, matches.length, startIndex) };
  }

  private undoIfPinned(user: SimSlackUser): void {
    const active = this.pinned.get(user.id);
    if (active !== undefined) user.deleted = !active;
  }

  private setActive(user: SimSlackUser, active: boolean, via: ScimSessionEnd['via']): void {
    if (!active && !user.deleted) this.sessionEnds.push({ userId: user.id, at: Date.now(), via });
    user.deleted = !active;
  }

  /** SCIM knows people only: bots are not SCIM users. */
  private scimUser(id: string): SimSlackUser | undefined {
    const u = this.state.users.get(id);
    return u && !u.isBot ? u : undefined;
  }
}

/** The PatchOp's final `active` value, or what is wrong with the request. */
function activeFromPatch(body: Buffer): boolean | string {
  let patch: { schemas?: unknown; Operations?: unknown };
  try {
    patch = JSON.parse(body.toString('utf8')) as typeof patch;
  } catch {
    return 'the body is not JSON';
  }
  if (!Array.isArray(patch?.schemas) || !patch.schemas.includes(PATCH_OP)) return `schemas must include ${PATCH_OP}`;
  if (!Array.isArray(patch.Operations) || patch.Operations.length === 0) return 'Operations must be a non-empty list';
  let active: boolean | undefined;
  for (const op of patch.Operations as { op?: unknown; path?: unknown; value?: unknown }[]) {
    // Both forms clients send: {path: 'active', value: false} and {value: {active: false}}.
    const value = op?.path === undefined ? (op?.value as { active?: unknown } | undefined)?.active : op.path === 'active' ? op.value : undefined;
    if (String(op?.op).toLowerCase() !== 'replace' || typeof value !== 'boolean') {
      return 'the simulator supports only {"op":"replace","path":"active","value":true|false}';
    }
    active = value;
  }
  return active!;
}

function notSimulated(method: string, path: string): Answer {
  return { status: 501, body: scimErrorBody(501, `${method} ${path} is not simulated`) };
}

function send(res: ServerResponse, answer: Answer): void {
  if (answer.body === undefined) {
    res.writeHead(answer.status, answer.headers ?? {});
    res.end();
    return;
  }
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'Content-Type': 'application/scim+json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
}
