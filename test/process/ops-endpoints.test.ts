import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../app/demo/local-stack.js';
import { SlackPlayer } from '../../app/demo/slack-player.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { createLogger } from '../../src/logger.js';
import { startOffboardBot } from '../../app/offboard-bot.js';
import { readiness } from '../../src/ops/readiness.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { freePort } from '../../src/simulators/local-redis.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function get(port: number, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** The value of one sample in Prometheus text format, e.g. sample(text, 'x_total', { a: '1' }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server of our own on a fixed port, so the test can stop it and start it again at the same address. */
function redisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve(child);
    });
  });
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('GET /metrics', () => {
  it('exposes every series after an offboarding: job durations, IBM and Slack calls by status, queue depth, and the alert counters', async () => {
    const { stack, player } = await start();
    stack.ibm.inject({ method: 'GET', path: '/v2/groups', status: 429, times: 1, retryAfterSeconds: 1 });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-9' });
    await player.click(PEOPLE.alex, 'approve', id);
    await player.evidence(id);

    const res = await get(stack.bot.metricsPort, '/metrics');

    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    for (const name of [
      'offboard_job_duration_seconds',
      'offboard_approval_to_verified_seconds',
      'offboard_slack_calls_total',
      'offboard_system_calls_total',
      'offboard_rescan_alerts_total',
      'offboard_reconciler_actions_total',
      'offboard_queue_jobs',
      // Node's own, as every service exports them.
      'nodejs_heap_size_used_bytes',
      'process_resident_memory_bytes',
    ]) {
      expect(res.text, name).toContain(`# TYPE ${name} `);
    }
    expect(sample(res.text, 'offboard_job_duration_seconds_count', { queue: QUEUES.revocations, job: 'ibm-cloud.api-keys', outcome: 'completed' })).toBe(2);
    expect(sample(res.text, 'offboard_system_calls_total', { system: 'ibm-cloud', operation: 'list access groups', status: '429' })).toBe(1);
    // Jane's two user records in Production, her one in Staging.
    expect(sample(res.text, 'offboard_system_calls_total', { system: 'ibm-cloud', operation: 'remove user from account', status: 'ok' })).toBe(3);
    for (const queue of Object.values(QUEUES)) expect(sample(res.text, 'offboard_queue_jobs', { queue, state: 'failed' }), queue).toBe(0);
  });

  it('shows the jobs waiting in each queue while no worker takes them', async () => {
    const stack = await startLocalStack({ redisUrl: inject('redisUrl'), env: { OFFBOARD_ROLE: 'web' } });
    cleanups.push(() => stack.stop());
    const before = await get(stack.bot.metricsPort, '/metrics');

    const res = await new SlackPlayer(stack).submitForm(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'contract_end',
      successor: PEOPLE.taylor,
      ticket: 'HR-10',
    });
    const after = await get(stack.bot.metricsPort, '/metrics');

    expect(res.status).toBe(200);
    expect(sample(before.text, 'offboard_queue_jobs', { queue: QUEUES.previews, state: 'waiting' })).toBe(0);
    // The read-only preview of the new request, and its announcement in Slack, wait for a worker.
    expect(sample(after.text, 'offboard_queue_jobs', { queue: QUEUES.previews, state: 'waiting' })).toBe(1);
    expect(sample(after.text, 'offboard_queue_jobs', { queue: QUEUES.slack, state: 'waiting' })).toBeGreaterThanOrEqual(1);
    expect(sample(after.text, 'offboard_queue_jobs', { queue: QUEUES.previews, state: 'active' })).toBe(0);
  });

  it('is not served on the port Slack posts to: only on OFFBOARD_METRICS_PORT, bound to loopback unless told', async () => {
    const { stack } = await start();

    const onSlackPort = await get(stack.bot.port!, '/metrics');
    const onMetricsPort = await get(stack.bot.metricsPort, '/metrics');

    expect(stack.bot.metricsPort).not.toBe(stack.bot.port);
    expect(onSlackPort.status).toBe(404);
    expect(onSlackPort.text).not.toContain('offboard_');
    expect(onMetricsPort.status).toBe(200);
    expect(stack.config.metrics.host).toBe('127.0.0.1');
  });

  it('keeps each bot in the process on its own registry', async () => {
    const { stack: one } = await start();
    const { stack: two } = await start();

    expect(one.bot.metrics.registry).not.toBe(two.bot.metrics.registry);
    one.bot.metrics.rescanAlerts.inc({ system: 'ibm-cloud' });
    expect(sample((await get(two.bot.metricsPort, '/metrics')).text, 'offboard_rescan_alerts_total', { system: 'ibm-cloud' })).toBeUndefined();
    expect(sample((await get(one.bot.metricsPort, '/metrics')).text, 'offboard_rescan_alerts_total', { system: 'ibm-cloud' })).toBe(1);
  });
});

describe('GET /healthz and /readyz', () => {
  it('a web process answers them beside Slack on its one port', async () => {
    const { stack } = await start();

    expect(stack.bot.opsPort).toBe(stack.bot.port);
    expect(await get(stack.bot.opsPort, '/healthz')).toMatchObject({ status: 200, text: 'ok' });
    expect(await get(stack.bot.opsPort, '/readyz')).toMatchObject({ status: 200, text: 'ready' });
  });

  it('a worker-only process serves /healthz and /readyz on PORT, though it takes no Slack requests, and /metrics on its own port', async () => {
    const { stack } = await start({ env: { OFFBOARD_ROLE: 'web' } });
    const worker = await startOffboardBot({ ...stack.config, role: 'worker' }, { logger: createLogger('silent') });
    cleanups.push(() => worker.stop());

    expect(worker.port).toBeUndefined();
    expect(await get(worker.opsPort, '/healthz')).toMatchObject({ status: 200, text: 'ok' });
    expect(await get(worker.opsPort, '/readyz')).toMatchObject({ status: 200, text: 'ready' });
    expect((await get(worker.metricsPort, '/metrics')).text).toContain('# TYPE offboard_queue_jobs gauge');
    expect((await get(worker.opsPort, '/metrics')).status).toBe(404);
    expect((await get(worker.opsPort, '/slack/events')).status).toBe(404);
  });

  it('/readyz answers 503 with the reason while Redis is down, and 200 again once it is back', async () => {
    const port = await freePort();
    let redis = await redisServer(port);
    cleanups.push(() => stopped(redis));
    // A web process: BullMQ workers take a few seconds after Redis returns before they can close.
    const stack: LocalStack = await startLocalStack({ redisUrl: `redis://127.0.0.1:${port}`, env: { OFFBOARD_ROLE: 'web' } });
    cleanups.push(() => stack.stop());
    expect(await get(stack.bot.opsPort, '/readyz')).toMatchObject({ status: 200, text: 'ready' });

    await stopped(redis);
    const down = await get(stack.bot.opsPort, '/readyz');
    const live = await get(stack.bot.opsPort, '/healthz');
    redis = await redisServer(port);
    const back = await eventually(async () => {
      const res = await get(stack.bot.opsPort, '/readyz');
      return res.status === 200 ? res : undefined;
    });

    expect(down.status).toBe(503);
    expect(down.text).toMatch(/Redis/);
    expect(live).toMatchObject({ status: 200, text: 'ok' });
    expect(back.text).toBe('ready');
  });

  it('a worker process is not ready before its workers start, nor once they stop', async () => {
    const redis = new Redis(inject('redisUrl'));
    cleanups.push(() => redis.quit());

    const notStarted = await readiness({ redis, workers: () => undefined })();
    const closing = await readiness({ redis, workers: () => ({ running: () => false }) })();
    const running = await readiness({ redis, workers: () => ({ running: () => true }) })();

    expect(notStarted).toBe('workers not started');
    expect(closing).toMatch(/workers not running/);
    expect(running).toBeUndefined();
  });
});
