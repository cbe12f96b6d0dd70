import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults.js';
import { ibmError, iamTokenError, type RouteContext, type SimResponse } from './http.js';
import { TokenIssuer } from './jwt.js';
import { matchRoute, type Route } from './router.js';
import * as outside from './outside-changes.js';
import { accessGroupMemberRoutes } from './routes/access-group-members.js';
import { accessGroupRoutes } from './routes/access-groups.js';
import { apiKeyDetailsRoutes, apiKeyRoutes } from './routes/api-keys.js';
import { policyRoutes } from './routes/policies.js';
import { profileAndServiceIdRoutes } from './routes/profiles-and-service-ids.js';
import { TOKEN_PATH, tokenRoutes } from './routes/token.js';
import { userManagementRoutes } from './routes/user-management.js';
import { accountRoutes } from './routes/accounts.js';
import { activityReportRoutes, fileReport } from './routes/activity-report.js';
import { resourceControllerRoutes } from './routes/resource-controller.js';
import { serviceIdRoutes } from './routes/service-ids.js';
import { vpcRoutes } from './routes/vpc.js';
import { defaultIbmSeed, SIM_BOT_API_KEY } from './seed.js';
import { SimState } from './state.js';
import * as truth from './true-state.js';
import type { IbmCloudSimulator, IbmCloudSimulatorOptions, RecordedRequest } from './types.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Starts a local IBM Cloud: the IAM token endpoint plus User Management v2, IAM Identity v1,
 * IAM Access Groups v2, IAM Policy Management, Account Management and Resource Controller v2 on one base URL, speaking the wire contract
 * of @ibm-cloud/platform-services.
 */
export async function startIbmCloudSimulator(opts: IbmCloudSimulatorOptions = {}): Promise<IbmCloudSimulator> {
  if (opts.pageSize !== undefined && !(Number.isInteger(opts.pageSize) && opts.pageSize >= 1)) throw new Error('pageSize must be a positive integer');
  const state = new SimState(opts.seed ?? defaultIbmSeed(), opts.consistencyDelayMs ?? 0, opts.pageSize);
  state.reportGenerationMs = Math.max(0, opts.reportGenerationMs ?? 0);
  let latencyMs = opts.latencyMs ?? 0;
  let baseUrl = '';
  const faults = new FaultInjector(opts.faultSeed);
  const issuer = new TokenIssuer(opts.tokenLifetimeSeconds ?? 3600, () => baseUrl);
  const requests: RecordedRequest[] = [];
  const acceptedKeys = new Set(opts.apiKeys ?? [SIM_BOT_API_KEY]);
  const tokenRouteList = tokenRoutes(issuer, acceptedKeys);
  const serviceRoutes: Route[] = [
    ...accountRoutes,
    ...userManagementRoutes,
    // Before `/v1/apikeys/:id`, which would take "details" for a key id.
    ...apiKeyDetailsRoutes(acceptedKeys),
    ...apiKeyRoutes,
    ...serviceIdRoutes,
    ...profileAndServiceIdRoutes,
    ...activityReportRoutes,
    ...resourceControllerRoutes,
    ...vpcRoutes,
    ...accessGroupRoutes,
    ...accessGroupMemberRoutes,
    ...policyRoutes,
  ];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', baseUrl);
    const path = url.pathname;
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => {
      query[k] = v;
    });
    const requestTxId = headerValue(req.headers['transaction-id']);
    const record: RecordedRequest = {
      method,
      path,
      query,
      ...(requestTxId !== undefined ? { transactionId: requestTxId } : {}),
      status: 0,
      at: new Date().toISOString(),
    };
    requests.push(record);
    const hasBody = ['POST', 'PUT', 'PATCH'].includes(method);
    // A body we do not read is drained, so the connection can serve the next request.
    if (!hasBody) req.resume();
    const rawBody = hasBody ? await readBody(req) : '';

    const ctx: RouteContext = {
      method,
      path,
      params: {},
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      state,
      baseUrl,
      transactionId: requestTxId ?? `sim-${randomUUID()}`,
      now: Date.now(),
    };

    let response: SimResponse;
    let retryAfter: number | undefined;
    try {
      response = dispatch(ctx, (s) => (retryAfter = s));
    } catch (err) {
      response = ibmError(500, `Simulator error: ${(err as Error).message}`, ctx.transactionId);
    }

    if (latencyMs > 0) await sleep(latencyMs);
    const headers: Record<string, string> = { 'Transaction-Id': ctx.transactionId, ...response.headers };
    if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
    let payload: string | undefined;
    if (response.body !== undefined && response.status !== 204 && method !== 'HEAD') {
      payload = JSON.stringify(response.body);
      headers['Content-Type'] = 'application/json; charset=utf-8';
    }
    record.status = response.status;
    if (res.destroyed) return;
    res.writeHead(response.status, headers);
    res.end(payload);
  }

  function dispatch(ctx: RouteContext, setRetryAfter: (s: number) => void): SimResponse {
    const isToken = ctx.path === TOKEN_PATH || ctx.path === `${TOKEN_PATH}/`;
    if (!isToken) {
      const auth = headerValue(ctx.headers.authorization);
      const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
      if (!m) {
        return ibmError(401, 'Authorization header is missing or is not a Bearer token.', ctx.transactionId, 'missing_token');
      }
      const verified = issuer.verify(m[1]!, ctx.now);
      if ('error' in verified) {
        return verified.error === 'expired'
          ? ibmError(401, 'The provided access token has expired.', ctx.transactionId, 'token_expired')
          : ibmError(401, 'The provided access token is invalid.', ctx.transactionId, 'invalid_token');
      }
      ctx.callerIamId = verified.claims.iam_id;
      ctx.callerAccountId = verified.claims.account.bss;
    }

    const fault = faults.match(ctx.method, ctx.path, ctx.query);
    if (fault) {
      // The change is made, and the answer that would have said so is lost on the way back.
      if (fault.afterApply && !isToken) route(ctx, isToken);
      if (fault.retryAfterSeconds !== undefined) setRetryAfter(fault.retryAfterSeconds);
      return isToken ? iamTokenError(fault.status, `BXNIM${fault.status}F`, fault.message, ctx) : ibmError(fault.status, fault.message, ctx.transactionId);
    }
    return route(ctx, isToken);
  }

  function route(ctx: RouteContext, isToken: boolean): SimResponse {
    const match = matchRoute(isToken ? tokenRouteList : serviceRoutes, ctx.method, ctx.path);
    if (match.kind === 'not_found') {
      return ibmError(404, `No route for ${ctx.method} ${ctx.path}.`, ctx.transactionId, 'not_found');
    }
    if (match.kind === 'method_not_allowed') {
      const r = ibmError(405, `Method ${ctx.method} is not allowed on ${ctx.path}.`, ctx.transactionId);
      return { ...r, headers: { Allow: match.allowed.join(', ') } };
    }
    ctx.params = match.params;
    return match.route.handler(ctx);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ trace: 'sim', errors: [{ code: 'internal_server_error', message: String(err) }], status_code: 500 }));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closed: Promise<void> | undefined;
  return {
    url: baseUrl,
    requests,
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    setConsistencyDelay(ms) {
      state.consistencyDelayMs = Math.max(0, ms);
    },
    setReportGeneration(ms) {
      state.reportGenerationMs = Math.max(0, ms);
    },
    inject: (rule) => faults.inject(rule),
    clearFaults: () => faults.clear(),
    userInAccount: (accountId, email) => truth.usersInAccount(state, accountId, email)[0],
    usersInAccount: (accountId, email) => truth.usersInAccount(state, accountId, email),
    apiKeysOf: (accountId, iamId) => truth.apiKeysOf(state, accountId, iamId),
    apiKey: (id) => truth.apiKey(state, id),
    serviceId: (id) => truth.serviceId(state, id),
    resourceKey: (id) => structuredClone(state.resourceKeys.find((k) => k.deletedAt === undefined && (k.value.id === id || k.value.guid === id))?.value),
    issuedSecrets: () => [...state.issuedSecrets],
    valueStored: (id) => state.storedValues.has(id),
    vpcKey: (id) => structuredClone(state.vpcKeys.find((k) => k.id === id)),
    serviceIdsOf: (accountId) => truth.serviceIdsOf(state, accountId),
    profilesLinkedTo: (accountId, iamId) => truth.profilesLinkedTo(state, accountId, iamId),
    groupsOf: (accountId, iamId) => truth.groupsOf(state, accountId, iamId),
    dynamicGroupsOf: (accountId, iamId) => truth.dynamicGroupsOf(state, accountId, iamId),
    policiesOf: (accountId, iamId) => truth.policiesOf(state, accountId, iamId),
    addUserToAccount: (accountId, user) => outside.addUserToAccount(state, accountId, user),
    addToGroup: (groupId, iamId) => outside.addToGroup(state, groupId, iamId),
    createApiKey: (key) => outside.createApiKey(state, key),
    createServiceId: (serviceId) => outside.createServiceId(state, serviceId),
    enableKey: (id) => outside.enableKey(state, id),
    useApiKey: (id, at) => outside.useApiKey(state, id, at),
    signIn: (iamId, at) => outside.signIn(state, iamId, at),
    fileReport: (accountId, opts = {}) => fileReport(state, accountId, opts),
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
