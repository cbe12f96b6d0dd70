import { parentPort } from 'node:worker_threads';
import { renderJobs, type RenderJobName } from './render-jobs.js';

/** Asked of the render thread: one job, numbered so answers can come back in any order. */
export interface RenderRequest {
  id: number;
  job: RenderJobName;
  input: unknown;
}

export type RenderReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

/** The render thread's entry (from the sources, loaded through render-worker.mjs, which teaches it TypeScript). */
if (!parentPort) throw new Error('render-worker.ts runs as a worker thread (see render-thread.ts), not on its own');
const port = parentPort;

port.on('message', async ({ id, job, input }: RenderRequest) => {
  let reply: RenderReply;
  try {
    const value: unknown = await (renderJobs[job] as (input: unknown) => Promise<unknown>)(input);
    reply = { id, ok: true, value };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id, ok: false, error: { name: e.name, message: e.message, stack: e.stack } };
  }
  // A PDF goes back by moving its memory, not copying it.
  port.postMessage(reply, transferables(reply));
});

function transferables(reply: RenderReply): ArrayBuffer[] {
  if (!reply.ok) return [];
  const value = reply.value as { pdf?: unknown } | undefined;
  const bytes = value instanceof Uint8Array ? value : value?.pdf instanceof Uint8Array ? value.pdf : undefined;
  // Only a buffer that owns its whole ArrayBuffer (not a slice of Node's shared pool) can move.
  return bytes && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
}
