import { Worker } from 'node:worker_threads';
import type { RenderJobName, RenderJobs } from './render-jobs.js';
import type { RenderReply, RenderRequest } from './render-worker.js';

type Input<J extends RenderJobName> = Parameters<RenderJobs[J]>[0];
type Output<J extends RenderJobName> = Awaited<ReturnType<RenderJobs[J]>>;

/** How long the thread may wait for work before it is ended: a bulk's packs come seconds apart, single runs' minutes or hours. */
export const IDLE_MS = 60_000;

/**
 * The thread's young generation (two semi-spaces and the new large-object space: 3 × 4 MiB). A
 * render allocates fast and keeps little; 4 MiB semi-spaces collect it as well as V8's 16 MiB ones
 * (`npm run bench:pdf`: the 500-entry pack in 0.29 s on this thread, 0.30 s on an uncapped one), holding 24 MiB less.
 */
export const YOUNG_GENERATION_MB = 12;

export interface RenderThreadOptions {
  /** Ends the thread after this long with nothing to do; IDLE_MS by default. */
  idleMs?: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * Evidence packs are drawn on this one worker thread, never on the thread that answers Slack: a
 * 500-entry PDF is a few hundred milliseconds of solid work. One thread, kept between renders while
 * they keep coming: a new one would parse the fonts and load pdfkit again (about half a second) for
 * every pack, and packs never need two at once; jobs queue on it.
 *
 * The thread is a second V8 heap with its own copy of pdfkit, fontkit and the fonts a pack used
 * (60–100 MiB resident), and packs come one per round: outside a bulk, most of its life would be
 * idle. So it is started on first use and ended once it has had nothing to do for `idleMs`
 * (IDLE_MS); the next job starts a new one. Its young generation is capped (YOUNG_GENERATION_MB):
 * V8's default lets each of its two semi-spaces grow to 16 MiB of mostly garbage.
 *
 * It holds the process open only while a job is in flight, so a process (or a test) exits when its
 * own work is done. A job that throws rejects with the thread's error; a thread that dies rejects
 * what it had, and the next job starts a new one.
 */
export class RenderThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idle: NodeJS.Timeout | undefined;
  private readonly idleMs: number;

  constructor(
    private readonly entry: URL,
    { idleMs = IDLE_MS }: RenderThreadOptions = {},
  ) {
    this.idleMs = idleMs;
  }

  run<J extends RenderJobName>(job: J, input: Input<J>): Promise<Output<J>> {
    clearTimeout(this.idle);
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    const done = new Promise<Output<J>>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    worker.ref();
    worker.postMessage({ id, job, input } satisfies RenderRequest);
    return done;
  }

  /** Stops the thread; jobs in flight reject. The next job starts a new one. */
  async close(): Promise<void> {
    clearTimeout(this.idle);
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    this.failAll(new Error('the evidence render thread was closed before it finished'));
    await worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(this.entry, { name: 'evidence-render', resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    worker.unref();
    worker.on('message', (reply: RenderReply) => this.settle(worker, reply));
    worker.on('error', (err) => this.lost(worker, err instanceof Error ? err : new Error(`the evidence render thread failed: ${String(err)}`)));
    worker.on('messageerror', (err) =>
      this.lost(worker, err instanceof Error ? err : new Error(`the evidence render thread sent an unreadable answer: ${String(err)}`)),
    );
    worker.on('exit', (code) => this.lost(worker, new Error(`the evidence render thread exited (code ${code}) before it finished`)));
    this.worker = worker;
    return worker;
  }

  private settle(worker: Worker, reply: RenderReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) {
      worker.unref();
      clearTimeout(this.idle);
      this.idle = setTimeout(() => this.retire(worker), this.idleMs).unref();
    }
    if (reply.ok) pending.resolve(revive(reply.value));
    else pending.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, stack: reply.error.stack }));
  }

  /** Ends a thread that has had nothing to do for idleMs; what it held (heap, fonts, pdfkit) goes with it. */
  private retire(worker: Worker): void {
    if (this.worker !== worker || this.pending.size > 0) return;
    this.worker = undefined;
    void worker.terminate();
  }

  private lost(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll(err);
    void worker.terminate();
  }

  private failAll(err: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
  }
}

/** A Buffer crosses threads as a plain Uint8Array; callers get a Buffer back, as on one thread. */
function revive(value: unknown): unknown {
  const buffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (value instanceof Uint8Array) return buffer(value);
  if (value && typeof value === 'object' && 'pdf' in value && value.pdf instanceof Uint8Array) return { ...value, pdf: buffer(value.pdf) };
  return value;
}

/**
 * The process's render thread. Built (`npm run build`), the thread runs the bundled render-worker.js,
 * which scripts/bundle.mjs writes beside every chunk this code can land in; run from the TypeScript
 * sources (tsx, vitest), it starts from render-worker.mjs, which teaches it TypeScript. tsx is a dev
 * dependency: the built service never loads it.
 */
const fromSources = import.meta.url.endsWith('.ts');
export const renderThread = new RenderThread(new URL(fromSources ? './render-worker.mjs' : './render-worker.js', import.meta.url));
