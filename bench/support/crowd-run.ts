/**
 * Many people offboarded at once through the real bot, as the bulk and memory benchmarks need it:
 * a web process (this one, with the simulators) and `workers` worker processes of the bot on one
 * Redis, IBM Cloud simulated at `latencyMs` per call plus `consistencyDelayMs`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import { crowdIbmSeed, crowdPerson, crowdSlackUsers } from '../../app/demo/crowd.js';
import { startLocalStack, type LocalStack } from '../../app/demo/local-stack.js';
import { SlackPlayer } from '../../app/demo/slack-player.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { Keys } from '../../src/redis.js';
import { byOperation } from './operations.js';
import { spawnBot, type BotProcess } from '../../test/support/bot-process.js';

export interface CrowdOptions {
  redisUrl: string;
  people: number;
  workers: number;
  /** OFFBOARD_WORKER_CONCURRENCY of each worker process. */
  concurrency: number;
  latencyMs: number;
  consistencyDelayMs: number;
  env?: Record<string, string>;
  /** Stops waiting for the crowd after this long. */
  deadlineMs: number;
  /** --max-old-space-size of each worker process, as docs/operations.md advises for workers; undefined: V8's default. */
  workerHeapMiB?: number;
  /**
   * OFFBOARD_ROLE of the spawned processes: `worker` (default), or `all`, the all-in-one process, which
   * loads everything a process answering Slack does (its render thread among it) and does the runs'
   * work; Slack's requests still go to the bench's own web process.
   */
  role?: 'worker' | 'all';
}

export interface PersonResult {
  id: string;
  outcome?: Extract<AuditRecord, { type: 'run.finished' }>['outcome'];
  /** Approval click to the last step's confirmed read-back. */
  approvalToVerifiedMs?: number;
  /** Steps told to run again after an error (`step.retrying`). */
  retries?: number;
  /** Steps that looked again after a read-back showed what no look had listed (`step.relooking`). */
  relooks?: number;
  /** Times a step was told to wait for its turn in the request budget, or a hold, while it looked or acted (`step.deferred`). */
  pauses?: number;
}

export interface CpuSeconds {
  'web + simulators + driver': number;
  workers: number;
  redis: number;
}

export interface CrowdRun {
  stack: LocalStack;
  workers: BotProcess[];
  /** Submits a request for each of these crowd people while IBM answers instantly (previews are not what is measured), then waits for their previews. */
  submit(people: number[]): Promise<string[]>;
  /** The metrics port of each worker process (OFFBOARD_METRICS_PORT): /metrics. */
  workerPorts: number[];
  /** Approves them all and waits for every run to finish; IBM is slowed to the configured latency first. `ibmCalls` leaves out token requests. */
  approveAll(
    ids: string[],
    onTick?: () => void,
  ): Promise<{ results: PersonResult[]; elapsedMs: number; ibmCalls: number; byOperation: Map<string, number>; cpu: CpuSeconds }>;
  stop(): Promise<void>;
}

// Production defaults for retries and read-backs: only the worker count is the bench's.
const PRODUCTION = {
  OFFBOARD_RETRY_DELAY_MS: '1000',
  OFFBOARD_RETRY_MAX_DELAY_MS: '30000',
  OFFBOARD_VERIFY_INTERVAL_MS: '1000',
  OFFBOARD_VERIFY_TIMEOUT_MS: '300000',
};

export async function startCrowdRun(opts: CrowdOptions): Promise<CrowdRun> {
  const stack = await startLocalStack({
    redisUrl: opts.redisUrl,
    ibm: { seed: crowdIbmSeed(opts.people) },
    extraSlackUsers: crowdSlackUsers(opts.people),
    env: { ...PRODUCTION, OFFBOARD_ROLE: 'web', ...opts.env },
  });
  const workerEnv = {
    ...stack.env,
    ...PRODUCTION,
    ...opts.env,
    OFFBOARD_ROLE: opts.role ?? 'worker',
    OFFBOARD_WORKER_CONCURRENCY: String(opts.concurrency),
    LOG_LEVEL: 'error',
  };
  // The worker processes run what production runs (Dockerfile, `npm start`): the bundled JS, built
  // from this tree first. Under tsx each would carry ~40 MiB of loader thread and compiled sources
  // that production never has. BENCH_FROM_SOURCES=1 runs app/main.ts under tsx instead.
  const compiled = !process.env.BENCH_FROM_SOURCES;
  if (compiled) buildOnce();
  const workerPorts = await Promise.all(Array.from({ length: opts.workers }, () => freePort()));
  // BENCH_PROFILE_DIR=/tmp/prof writes a CPU profile of each worker process there when it stops.
  // BENCH_WORKER_NODE_OPTIONS="--heapsnapshot-signal=SIGUSR2" passes options to node itself.
  const profile = [
    ...(opts.workerHeapMiB ? [`--max-old-space-size=${opts.workerHeapMiB}`] : []),
    ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []),
    ...(process.env.BENCH_WORKER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []),
  ];
  const workers = workerPorts.map((port) =>
    spawnBot({ ...workerEnv, NODE_ENV: 'production', PORT: '0', OFFBOARD_METRICS_PORT: String(port) }, profile, { compiled }),
  );
  const redis = new Redis(stack.config.redisUrl);
  const trail = new AuditTrail(redis, new Keys(stack.config.redisPrefix));
  const player = new SlackPlayer(stack);

  return {
    stack,
    workers,
    workerPorts,
    async submit(people) {
      stack.ibm.setLatency(0);
      stack.ibm.setConsistencyDelay(0);
      const ids: string[] = [];
      for (const i of people) {
        ids.push(
          await player.request(
            PEOPLE.morgan,
            { person: crowdPerson(i).slackUserId, reason: 'contract_end', disposition: 'delete_now', ticket: `B-${i}` },
            { awaitPreview: false },
          ),
        );
      }
      await waitUntil(
        async () => (await Promise.all(ids.map((id) => trail.read(id)))).every((t) => t.some((e) => e.type === 'request.previewed')),
        opts.deadlineMs,
      );
      return ids;
    },
    async approveAll(ids, onTick) {
      stack.ibm.setLatency(opts.latencyMs);
      stack.ibm.setConsistencyDelay(opts.consistencyDelayMs);
      const calls = () => stack.ibm.requests.filter((r) => r.path !== '/identity/token').length;
      const callsBefore = calls();
      const requestsBefore = stack.ibm.requests.length;
      const cpuBefore = await cpuNow(redis, workers);
      const started = Date.now();
      for (let i = 0; i < ids.length; i += 25) {
        await Promise.all(ids.slice(i, i + 25).map((id) => player.click(PEOPLE.alex, 'approve', id)));
      }
      const finished = new Map<string, AuditRecord[]>();
      const deadline = started + opts.deadlineMs;
      while (finished.size < ids.length && Date.now() < deadline) {
        for (const id of ids) {
          if (finished.has(id)) continue;
          const t = await trail.read(id);
          if (t.some((e) => e.type === 'run.finished')) finished.set(id, t);
        }
        onTick?.();
        if (finished.size < ids.length) await sleep(1000);
      }
      for (const w of workers) {
        if (w.child.exitCode !== null || w.child.signalCode !== null) console.error(`a worker process died during the run:\n${w.output().slice(-1500)}`);
      }
      const lastFinished = Math.max(started, ...[...finished.values()].map((t) => Date.parse(t.find((e) => e.type === 'run.finished')!.at)));
      const cpuAfter = await cpuNow(redis, workers);
      const results = ids.map((id): PersonResult => {
        const t = finished.get(id);
        if (!t) return { id };
        const run = t.find((e): e is Extract<AuditRecord, { type: 'run.finished' }> => e.type === 'run.finished')!;
        const approved = Date.parse(t.find((e) => e.type === 'request.approved')!.at);
        const verified = t.filter((e) => e.type === 'step.verified').map((e) => Date.parse(e.at));
        const retries = t.filter((e) => e.type === 'step.retrying').length;
        const relooks = t.filter((e) => e.type === 'step.relooking').length;
        const pauses = t.filter((e) => e.type === 'step.deferred').length;
        return { id, outcome: run.outcome, retries, relooks, pauses, ...(verified.length ? { approvalToVerifiedMs: Math.max(...verified) - approved } : {}) };
      });
      return {
        results,
        elapsedMs: lastFinished - started,
        ibmCalls: calls() - callsBefore,
        byOperation: byOperation(stack.ibm.requests.slice(requestsBefore), true),
        cpu: {
          'web + simulators + driver': cpuAfter.web - cpuBefore.web,
          workers: cpuAfter.workers - cpuBefore.workers,
          redis: cpuAfter.redis - cpuBefore.redis,
        },
      };
    },
    async stop() {
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.race([Promise.all(workers.map((w) => w.exited)), sleep(15_000)]);
      for (const w of workers) await w.kill9();
      redis.disconnect();
      await stack.stop();
    },
  };
}

let built = false;

/** `npm run build` (dist/ from this tree), once per bench process. */
function buildOnce(): void {
  if (built) return;
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  built = true;
}

/** CPU seconds so far of this process, the worker processes and redis-server. */
async function cpuNow(redis: Redis, workers: BotProcess[]) {
  const own = process.cpuUsage();
  const info = await redis.info('cpu');
  const redisCpu = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  return {
    web: (own.user + own.system) / 1e6,
    workers: workers.reduce((sum, w) => sum + processCpuSeconds(w.child.pid), 0),
    redis: redisCpu,
  };
}

/** utime + stime from /proc, in seconds (Linux clock ticks are 1/100 s). */
export function processCpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Resident set size now and at its peak, in MiB, from /proc. */
export function processMemoryMiB(pid: number | undefined): { rss: number; peak: number } {
  if (!pid) return { rss: 0, peak: 0 };
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One sample of a Prometheus text exposition, e.g. nodejs_heap_size_used_bytes. */
export async function scrape(port: number, series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(new RegExp(`^${series} ([\\d.e+]+)`, 'm').exec(text)?.[1] ?? NaN);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not settled within ${timeoutMs} ms`);
    await sleep(500);
  }
}

export { crowdPerson };
