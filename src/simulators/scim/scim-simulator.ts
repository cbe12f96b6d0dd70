import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScimProfile } from '../../connectors/scim/profile.js';
import { ScimDirectory, scimError, type SimAnswer, type SimScimGroup, type SimScimUser } from './scim-directory.js';

function parsed(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** An injected answer: every matching request gets it until cleared, or `times` times. */
export interface ScimFault {
  status: number;
  /** Sent as Retry-After, in seconds. */
  retryAfter?: number;
  /** Any other headers (GitHub's x-ratelimit-remaining and x-ratelimit-reset). */
  headers?: Record<string, string>;
  method?: string;
  /** Matched against the start of the path under the base URL, e.g. '/Users'. */
  path?: string;
  times?: number;
}

export interface ScimCall {
  method: string;
  path: string;
  query: string;
  status: number;
  body?: unknown;
}

export interface ScimSimulatorOptions {
  profile: ScimProfile;
  token: string;
  users: SimScimUser[];
  groups?: SimScimGroup[];
}

export interface ScimSimulator {
  /** The base URL a client is given (ends with a slash). */
  url: string;
  directory: ScimDirectory;
  calls: ScimCall[];
  fault(fault: ScimFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/**
 * A SCIM 2.0 application on a local port (RFC 7644, as `profile` says its vendor answers), for the
 * tests and the demo; never imported by product code. Only `token` is accepted.
 */
export async function startScimSimulator(options: ScimSimulatorOptions): Promise<ScimSimulator> {
  const directory = new ScimDirectory(options.profile, options.users, options.groups ?? []);
  const calls: ScimCall[] = [];
  let faults: (ScimFault & { left: number })[] = [];

  const answer = (method: string, path: string, query: URLSearchParams, auth: string | undefined, raw: string): SimAnswer => {
    if (auth !== `Bearer ${options.token}`) return scimError(401, 'the bearer token is not valid');
    const fault = faults.find((f) => f.left > 0 && (!f.method || f.method === method) && (!f.path || path.startsWith(f.path)));
    if (fault) {
      fault.left -= 1;
      const headers = { ...fault.headers, ...(fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {}) };
      return { ...scimError(fault.status, `injected fault ${fault.status}`), headers };
    }
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return scimError(400, 'the body is not JSON', 'invalidSyntax');
    }
    return directory.route(method, path, query, body);
  };

  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://sim');
      const method = req.method ?? 'GET';
      const path = url.pathname.replace(/^\/scim\/v2/, '');
      const raw = Buffer.concat(chunks).toString('utf8');
      const a = answer(method, path, url.searchParams, req.headers.authorization, raw);
      calls.push({ method, path, query: url.search.slice(1), status: a.status, ...(raw ? { body: parsed(raw) } : {}) });
      const text = a.body === undefined ? '' : JSON.stringify(a.body);
      res.writeHead(a.status, { ...(text ? { 'Content-Type': 'application/scim+json' } : {}), ...a.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/scim/v2/`,
    directory,
    calls,
    fault: (f) => faults.push({ ...f, left: f.times ?? Number.POSITIVE_INFINITY }),
    clearFaults: () => {
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
