import { decodePageToken, encodePageToken, ibmError, intParam, servedPageSize, withQuery, type RouteContext, type SimResponse } from '../http.js';

/**
 * IAM Identity list responses: `{offset, limit, first, previous?, next?, <items>}`, paged with an
 * opaque `pagetoken` read from `next` (absolute URLs, as IAM returns them). Default page size 20.
 */
export function pageOf<T>(ctx: RouteContext, path: string, itemsKey: string, items: T[]): SimResponse {
  const pagesize = intParam(ctx.query, 'pagesize', 1, 100);
  if (pagesize === 'invalid') return ibmError(400, 'pagesize must be an integer between 1 and 100.', ctx.transactionId);
  const limit = servedPageSize(ctx, pagesize, 20);
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

export function sortBy<T extends object>(items: T[], ctx: RouteContext, allowed: string[]): T[] | 'invalid' {
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
