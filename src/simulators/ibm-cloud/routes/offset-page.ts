import { ibmError, intParam, servedPageSize, withQuery, type RouteContext, type SimResponse } from '../http.js';

/**
 * IAM Access Groups list responses: `{limit, offset, total_count, first, previous?, next?, last,
 * <items>}` with `{href}` links carrying `offset` (what the SDK's pagers read). Default page 50.
 */
export function offsetPage<T>(ctx: RouteContext, path: string, itemsKey: string, items: T[], body: (item: T) => unknown): SimResponse {
  const limit = intParam(ctx.query, 'limit', 1, 100);
  const offset = intParam(ctx.query, 'offset', 0, Number.MAX_SAFE_INTEGER);
  if (limit === 'invalid' || offset === 'invalid') {
    return ibmError(400, 'limit must be 1-100 and offset a non-negative integer.', ctx.transactionId, 'invalid_parameter');
  }
  const size = servedPageSize(ctx, limit, 50);
  const from = offset ?? 0;
  const base: Record<string, string> = {};
  ctx.query.forEach((v, k) => {
    if (k !== 'offset' && k !== 'limit') base[k] = v;
  });
  const href = (o: number) => ({ href: ctx.baseUrl + withQuery(path, { ...base, limit: size, offset: o }) });
  const lastOffset = items.length === 0 ? 0 : Math.floor((items.length - 1) / size) * size;
  return {
    status: 200,
    body: {
      limit: size,
      offset: from,
      total_count: items.length,
      first: href(0),
      ...(from > 0 ? { previous: href(Math.max(0, from - size)) } : {}),
      ...(from + size < items.length ? { next: href(from + size) } : {}),
      last: href(lastOffset),
      [itemsKey]: items.slice(from, from + size).map(body),
    },
  };
}
