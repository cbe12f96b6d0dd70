import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkMessage } from './block-kit-limits.js';
import { slackId } from './ids.js';
import { multipartBoundary, parseMultipart } from './multipart.js';
import { ArgsDecodeError, parseApiRequest, readBody } from './request-args.js';
import { SCIM_PREFIX, ScimService } from './scim-service.js';
import { SlackMethodError, SlackState } from './slack-state.js';
import { SocketModeHub } from './socket-mode-hub.js';
import type { ResponseUrlContext, SimMessage, SlackSimulator, SlackSimulatorOptions } from './types.js';
import { waitFor } from './wait-for.js';
import { WEB_API_METHODS } from './web-api-methods.js';

/**
 * Starts an in-memory Slack Web API on 127.0.0.1. Point a WebClient at it with
 * `slackApiUrl: sim.apiUrl` (Bolt: `clientOptions.slackApiUrl`).
 */
export async function startSlackSimulator(opts: SlackSimulatorOptions): Promise<SlackSimulator> {
  const state = new SlackState(opts);
  const socketMode = opts.appToken !== undefined ? new SocketModeHub(opts.appToken, state.appId) : undefined;
  const scim = opts.adminToken !== undefined ? new ScimService(state, opts.adminToken) : undefined;
  const adminIdentity = () => {
    const owner = state.users.get(opts.adminUserId!);
    return {
      url: 'https://sim-workspace.slack.com/',
      team: 'Simulated Workspace',
      user: owner?.name ?? opts.adminUserId,
      team_id: state.teamId,
      user_id: opts.adminUserId,
      is_enterprise_install: false,
    };
  };
  let origin = '';

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendText(res, 500, `simulator error: ${(err as Error).message}`);
      else res.end();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (!socketMode?.upgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const body = await readBody(req);
    if (url.pathname.startsWith('/api/')) {
      const delayMs = state.delayOf(decodeURIComponent(url.pathname.slice('/api/'.length)));
      if (delayMs > 0) await sleep(delayMs);
      return handleApi(req, res, url, body);
    }
    if (scim && url.pathname.startsWith(SCIM_PREFIX)) return scim.handle(req, res, url, body, `${origin}${SCIM_PREFIX}`);
    if (req.method === 'POST' && url.pathname.startsWith('/upload/v1/')) return handleUpload(req, res, url, body);
    if (req.method === 'POST' && url.pathname.startsWith('/response/')) return handleResponseUrl(res, url, body);
    sendText(res, 404, 'not found');
  }

  function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const at = Date.now();
    let token: string | undefined;
    let args: Record<string, unknown> = {};
    let loseAnswer = false;
    const answer = (status: number, payload: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const ok = payload.ok === true;
      state.calls.push({ method, args, at, ok, ...(ok ? {} : { error: String(payload.error) }) });
      if (loseAnswer) req.socket.destroy();
      else sendJson(res, status, payload, { 'X-OAuth-Scopes': state.botScopes.join(','), ...headers });
    };
    try {
      ({ token, args } = parseApiRequest(req, url, body));
    } catch (err) {
      if (err instanceof ArgsDecodeError) return answer(200, { ok: false, error: err.slackError });
      throw err;
    }
    if (method === 'apps.connections.open') return answer(200, openConnection(token));
    const handler = WEB_API_METHODS[method];
    if (!handler) return answer(200, { ok: false, error: 'unknown_method', req_method: method });
    if (token === undefined || token === '') return answer(200, { ok: false, error: 'not_authed' });
    // A user token is a person's: auth.test names them; the bot's methods are not theirs to call here.
    if (method === 'auth.test' && opts.adminUserId !== undefined && token === opts.adminToken) return answer(200, { ok: true, ...adminIdentity() });
    if (token !== state.botToken) return answer(200, { ok: false, error: 'invalid_auth' });
    const retryAfter = state.takeRateLimit(method);
    if (retryAfter !== undefined) {
      return answer(429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(retryAfter) });
    }
    // A lost answer still carries the call out: only the client is left not knowing.
    loseAnswer = state.takeLostResponse(method, args);
    try {
      const result = handler(state, args);
      if (method === 'files.getUploadURLExternal') result.upload_url = `${origin}${String(result.upload_url)}`;
      answer(200, { ok: true, ...result });
    } catch (err) {
      if (err instanceof SlackMethodError) return answer(200, { ok: false, error: err.error, ...err.extra });
      throw err;
    }
  }

  /** Socket Mode's entry point: only the app-level token may open a connection. */
  function openConnection(token: string | undefined): Record<string, unknown> {
    if (token === undefined || token === '') return { ok: false, error: 'not_authed' };
    if (token === state.botToken) return { ok: false, error: 'not_allowed_token_type' };
    if (!socketMode || token !== socketMode.appToken) return { ok: false, error: 'invalid_auth' };
    return { ok: true, url: socketMode.openConnection(origin) };
  }

  /** @slack/web-api 8 POSTs multipart/form-data with the bytes in a file part named `body`. */
  function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): void {
    const upload = state.uploadsByKey.get(url.pathname.slice('/upload/v1/'.length));
    if (!upload || upload.completed) return sendText(res, 404, 'unknown or already completed upload URL');
    const boundary = multipartBoundary(req.headers['content-type']);
    if (!boundary) return sendText(res, 400, "expected multipart/form-data with a 'body' part");
    let bytes: Buffer | undefined;
    try {
      bytes = parseMultipart(body, boundary).find((p) => p.name === 'body')?.data;
    } catch (err) {
      return sendText(res, 400, `malformed multipart body: ${(err as Error).message}`);
    }
    if (!bytes) return sendText(res, 400, "multipart body has no 'body' part");
    if (bytes.length !== upload.length) {
      return sendText(res, 400, `length mismatch: files.getUploadURLExternal said ${upload.length} bytes, received ${bytes.length}`);
    }
    upload.bytes = bytes;
    sendText(res, 200, `OK - ${bytes.length}`);
  }

  /** Slash-command / interaction response_url: record, then act like Slack would. */
  function handleResponseUrl(res: ServerResponse, url: URL, body: Buffer): void {
    const ctx = state.responseUrls.get(url.pathname.slice('/response/'.length));
    if (!ctx) return sendText(res, 404, 'no_active_hooks');
    const text = body.toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      const payload = new URLSearchParams(text).get('payload');
      if (payload !== null) {
        try {
          parsed = JSON.parse(payload);
        } catch {
          return sendText(res, 400, 'invalid_payload');
        }
      }
    }
    if (parsed !== null && typeof parsed === 'object') {
      const b = parsed as Record<string, unknown>;
      try {
        checkMessage(b.text, b.blocks, { countBlocksText: false });
      } catch (err) {
        // Refused whole, as chat.postMessage refuses it: nothing is shown.
        if (err instanceof SlackMethodError) return sendJson(res, 400, { ok: false, error: err.error, ...err.extra });
        throw err;
      }
    }
    state.responses.push({ url: `${origin}${url.pathname}`, body: parsed });
    applyResponse(ctx, parsed);
    sendJson(res, 200, { ok: true });
  }

  function applyResponse(ctx: ResponseUrlContext, body: unknown): void {
    if (body === null || typeof body !== 'object') return;
    const b = body as Record<string, unknown>;
    const channel = ctx.channel !== undefined ? (state.resolveChannel(ctx.channel) ?? ctx.channel) : undefined;
    if (channel === undefined) return;
    const blocks = Array.isArray(b.blocks) ? b.blocks : undefined;
    const text = typeof b.text === 'string' ? b.text : undefined;
    const original = ctx.messageTs !== undefined ? state.findMessage(channel, ctx.messageTs) : undefined;
    if (isTrue(b.delete_original)) {
      if (original) state.deleteMessage(channel, original.ts);
    } else if (isTrue(b.replace_original) && original) {
      if (text !== undefined) original.text = text;
      original.blocks = blocks ?? [];
      original.edits += 1;
    } else if (b.response_type === 'in_channel') {
      const threadTs = typeof b.thread_ts === 'string' ? b.thread_ts : undefined;
      state.addMessage({
        channel,
        text: text ?? '',
        blocks: blocks ?? [],
        user: state.botUserId,
        ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
      });
    } else if (ctx.userId !== undefined) {
      state.ephemerals.push({ channel, user: ctx.userId, text: text ?? '', ...(blocks ? { blocks } : {}) });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  const describeCalls = () => {
    const recent = state.calls.slice(-10).map((c) => `${c.method}${c.ok ? '' : `(${c.error})`}`);
    return `recorded calls (${state.calls.length}, last 10): ${recent.join(', ') || 'none'}`;
  };

  const sim: SlackSimulator = {
    apiUrl: `${origin}/api/`,
    teamId: state.teamId,
    botUserId: state.botUserId,
    botId: state.botId,
    calls: state.calls,
    callsTo: (method) => state.calls.filter((c) => c.method === method),
    waitFor: (probe, waitOpts) => waitFor(probe, waitOpts, describeCalls),
    messages: (channel) => [...state.channelMessages(state.lookupChannel(channel))],
    message: (channel, ts) => state.findMessage(state.lookupChannel(channel), ts),
    thread: (channel, threadTs) => {
      const list = state.channelMessages(state.lookupChannel(channel));
      const parent = list.find((m) => m.ts === threadTs);
      const replies = list.filter((m: SimMessage) => m.thread_ts === threadTs && m.ts !== threadTs);
      return parent ? [parent, ...replies] : replies;
    },
    ephemerals: state.ephemerals,
    views: state.views,
    view: (id) => state.currentViews.get(id),
    files: state.files,
    user: (id) => state.users.get(id),
    postAsUser: (channel, userId, text, threadTs) => {
      const resolved = state.resolveChannel(channel);
      if (!resolved) throw new Error(`postAsUser: channel ${channel} does not exist in the simulator`);
      return state.addMessage({
        channel: resolved,
        text,
        blocks: [],
        user: userId,
        ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
      });
    },
    responseUrl: (context = {}) => {
      const id = slackId('', 24);
      state.responseUrls.set(id, context);
      return `${origin}/response/${id}`;
    },
    responses: state.responses,
    issueTriggerId: (userId) => state.issueTrigger(userId),
    rateLimit: (method, times, retryAfterSeconds) => state.setRateLimit(method, times, retryAfterSeconds),
    delay: (method, ms) => state.setDelay(method, ms),
    loseResponse: (method, times, only) => state.setLostResponses(method, times, only),
    socketMode,
    scim: scim?.simulator(`${origin}${SCIM_PREFIX}`),
    close: () =>
      new Promise<void>((resolve, reject) => {
        socketMode?.close();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
  return sim;
}

function isTrue(v: unknown): boolean {
  return v === true || v === 'true';
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
