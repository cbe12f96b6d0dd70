import type { RouteContext, SimResponse } from './http.js';

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** e.g. '/v2/accounts/:account_id/users'; a trailing slash in the request path is ignored. */
  pattern: string;
  handler: (ctx: RouteContext) => SimResponse;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allowed: string[] }
  | { kind: 'not_found' };

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const p = split(pattern);
  const s = split(path);
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    let value: string;
    try {
      value = decodeURIComponent(s[i]!);
    } catch {
      return undefined;
    }
    if (seg.startsWith(':')) params[seg.slice(1)] = value;
    else if (seg !== value) return undefined;
  }
  return params;
}

export function matchRoute(routes: Route[], method: string, path: string): RouteMatch {
  const allowed: string[] = [];
  // Routes are tried in order: list literal paths (e.g. `_allgroups`) before parameterised ones.
  for (const route of routes) {
    const params = matchPattern(route.pattern, path);
    if (!params) continue;
    if (route.method === method) return { kind: 'found', route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: 'method_not_allowed', allowed } : { kind: 'not_found' };
}
