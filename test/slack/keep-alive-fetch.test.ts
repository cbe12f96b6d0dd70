import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { keepAliveFetch } from '../../src/slack/keep-alive-fetch.js';

interface Seen {
  /** The client's port: one per connection. */
  port?: number;
  method?: string;
  url?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('the fetch our Web API clients send through', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  /** A server that records each request and answers as told; its URL. */
  async function serve(answer: (seen: Seen) => { status: number; headers?: Record<string, string>; body: string; delayMs?: number }) {
    const seen: Seen[] = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const s = { port: req.socket.remotePort, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() };
        seen.push(s);
        const a = answer(s);
        setTimeout(() => res.writeHead(a.status, a.headers).end(a.body), a.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/`, seen };
  }

  it('sends the method, headers and form body, and hands back status, headers and body', async () => {
    const { url, seen } = await serve(() => ({ status: 429, headers: { 'retry-after': '3', 'content-type': 'application/json' }, body: '{"ok":false,"error":"ratelimited"}' }));

    const res = await keepAliveFetch(`${url}users.info`, { method: 'POST', headers: { Authorization: 'Bearer xoxb-1', 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'user=U0JANE001' });

    expect(seen).toEqual([expect.objectContaining({ method: 'POST', url: '/api/users.info', body: 'user=U0JANE001' })]);
    expect(seen[0]!.headers).toMatchObject({ authorization: 'Bearer xoxb-1', 'content-type': 'application/x-www-form-urlencoded', 'content-length': '14' });
    expect([res.status, res.ok, res.headers.get('retry-after')]).toEqual([429, false, '3']);
    expect(await res.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('reuses one connection for calls one after another', async () => {
    const { url, seen } = await serve(() => ({ status: 200, body: '{"ok":true}' }));

    for (let i = 0; i < 3; i++) expect(await (await keepAliveFetch(url, { method: 'POST', body: 'a=1' })).text()).toBe('{"ok":true}');

    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.port)).size).toBe(1);
  });

  it('gives up when its signal is aborted, and fails like fetch when nothing answers', async () => {
    const { url } = await serve(() => ({ status: 200, body: '{}', delayMs: 5_000 }));

    await expect(keepAliveFetch(url, { method: 'POST', body: 'a=1', signal: AbortSignal.timeout(50) })).rejects.toThrow();
    await expect(keepAliveFetch('http://127.0.0.1:1/api/x', { method: 'POST', body: 'a=1' })).rejects.toThrow('fetch failed');
  });
});
