import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server (Redis, here) that can hold what clients send: while held,
 * nothing a client writes reaches the server; on release it all goes through, in order. Answers
 * flow back untouched. A test holds it to prove that something is done without the server.
 */
export class HoldingProxy {
  private holding = false;
  private readonly held: { upstream: Socket; chunk: Buffer }[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<HoldingProxy> {
    let proxy: HoldingProxy | undefined;
    const server = createServer((client) => proxy!.pipe(client, createConnection(target)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new HoldingProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  /** The target's URL with the proxy's host and port in its place. */
  urlFor(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const { upstream, chunk } of this.held.splice(0)) if (!upstream.destroyed) upstream.write(chunk);
  }

  /** Takes no more connections and holds nothing more; open ones carry on until their ends close them. */
  close(): void {
    this.release();
    this.server.close();
  }

  private pipe(client: Socket, upstream: Socket): void {
    client.on('data', (chunk: Buffer) => {
      if (this.holding || this.held.length > 0) this.held.push({ upstream, chunk });
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  }
}
