import type { SimState } from './state.js';

/** What a route handler returns; the server adds latency, headers and recording. */
export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** Raw request body (only read for POST/PUT/PATCH). */
  rawBody: string;
  state: SimState;
  baseUrl: string;
  /** IAM id from the caller's token (undefined on the token endpoint). */
  callerIamId?: string;
  /** The account the caller's token was issued for: the Resource Controller answers for it only. */
  callerAccountId?: string;
  /** Transaction-Id from the request, or one the simulator generated. */
  transactionId: string;
  now: number;
}

const ERROR_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  429: 'too_many_requests',
  500: 'internal_server_error',
  503: 'service_unavailable',
};

/** An IBM-style error body: `{trace, errors: [{code, message}], status_code}`. */
export function ibmError(status: number, message: string, trace: string, code = ERROR_CODES[status] ?? 'error'): SimResponse {
  return {
    status,
    body: { trace, errors: [{ code, message }], status_code: status },
  };
}

/** The IAM token service's own error shape (`errorCode`, `errorMessage`, `context`). */
export function iamTokenError(status: number, errorCode: string, errorMessage: string, ctx: RouteContext): SimResponse {
  return {
    status,
    body: {
      errorCode,
      errorMessage,
      context: {
        requestId: ctx.transactionId,
        requestType: 'incoming.Identity_Token',
        userAgent: String(ctx.headers['user-agent'] ?? ''),
        url: ctx.baseUrl,
        instanceId: 'iamid-sim-0',
        threadId: '1',
        host: 'iam-sim',
        startTime: new Date(ctx.now).toUTCString(),
        endTime: new Date().toUTCString(),
        elapsedTime: '0',
        locale: 'en_US',
        clusterName: 'iam-id-sim',
      },
    },
  };
}

/** Opaque page tokens carrying an offset. */
export function encodePageToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

export function decodePageToken(token: string | null): number | 'invalid' {
  if (token === null || token === '') return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : 'invalid';
}

/** Parses an integer query value within [min, max]; undefined when absent, 'invalid' otherwise. */
export function intParam(query: URLSearchParams, name: string, min: number, max: number): number | undefined | 'invalid' {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) return 'invalid';
  const n = Number(raw);
  return n >= min && n <= max ? n : 'invalid';
}

/** Builds `path?query` from defined values only. */
export function withQuery(path: string, params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Requires an account_id that names a known account. */
export function requireAccount(ctx: RouteContext, accountId: string | null | undefined): SimResponse | undefined {
  if (!accountId) return ibmError(400, 'The account_id parameter is required.', ctx.transactionId, 'missing_parameter');
  if (!ctx.state.account(accountId)) {
    return ibmError(403, `You are not authorized to access account ${accountId}.`, ctx.transactionId, 'not_authorized');
  }
  return undefined;
}

/** The page size served: what the request asked for, or the endpoint's default, capped by the simulator's `pageSize`. */
export function servedPageSize(ctx: RouteContext, requested: number | undefined, endpointDefault: number): number {
  const size = requested ?? endpointDefault;
  return ctx.state.pageSize === undefined ? size : Math.min(size, ctx.state.pageSize);
}
