import type { RecordedRequest } from '../../src/simulators/ibm-cloud/index.js';

const TOKEN_PATH = /^\/identity\/token/;

/**
 * `GET /v2/groups/:id/members/:id`: the operation, whatever it was asked about. `filters`: with the
 * query filters that make one path two operations (a listing of users' keys alone, `type=user`;
 * static groups, `membership_type=static`), so a breakdown tells them apart.
 */
export function operation(r: RecordedRequest, filters = false): string {
  const path = r.path
    .split('/')
    .map((seg) => (seg === '' || /^v\d+$/.test(seg) || /^[a-z_]+$/.test(seg) ? seg : ':id'))
    .join('/');
  const shown = filters ? ['type', 'membership_type'].filter((q) => r.query[q] !== undefined).map((q) => `${q}=${r.query[q]}`) : [];
  return `${r.method} ${path}${shown.length ? `?${shown.join('&')}` : ''}`;
}

/** How many calls of each operation, token requests left out. */
export function byOperation(requests: RecordedRequest[], filters = false): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) {
    if (TOKEN_PATH.test(r.path)) continue;
    const op = operation(r, filters);
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  return counts;
}
