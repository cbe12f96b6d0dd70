import type { Server } from 'node:http';

export interface Listening {
  port: number;
  /** Stops taking connections, closes idle ones, and resolves once in-flight requests are answered. */
  close(): Promise<void>;
}

/** Binds `server` to `port` on `host` (every interface unless told); a bind failure names the setting to change. */
export async function listen(server: Server, port: number, setting: string, host = '0.0.0.0'): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`Cannot listen on ${setting} ${port} at ${host} (${err.code ?? err.message}): choose a free port`)),
    );
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
