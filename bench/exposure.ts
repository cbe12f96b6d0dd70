/**
 * The exposure window of one offboarding: from the approval click to the moment every step of the
 * run is verified by reading IBM Cloud back, for Jane (two accounts, the default IBM seed), with
 * IBM Cloud answering every call after 50 ms and showing a deletion for 500 ms after it was made.
 * The bot runs with its production defaults (read from the configuration schema, so they cannot
 * drift), BENCH_RUNS times normally and as often with Slack answering every `chat.update` with 429
 * until the run has finished (then Slack recovers and the checklist must catch up). Starts its own
 * Redis (unless REDIS_URL is set) and simulators; prints figures, asserts nothing.
 *
 *   npm run bench:exposure               # 5 runs of each
 *   BENCH_RUNS=2 npm run bench:exposure
 *
 * The critical path is the least time the run could take with these IBM settings whatever the
 * bot does around the calls: the longest chain of IBM calls that must follow one another, times
 * the latency, plus the consistency delay wherever a step must wait to see its own change. It is
 * measured, not written down: before the runs, each step's own capabilities (the same connector
 * code the jobs run) are driven one by one against a fresh simulator with the same settings, and
 * the calls each part makes are read from the simulator's recorded requests. Calls that arrive
 * together (a Promise.all over two identities) are one wave; each wave costs one latency. Then
 *
 *   step     = (inventory waves + action waves + one read-back's waves) × latency
 *              + consistency delay (only when the step changed something)
 *   scope    = the slowest of the scope's other steps + its closing step (account membership
 *              waits for them, as in the run's flow)
 *   critical = identification waves × latency + the slowest scope
 *
 * The IAM token is fetched once per process and cached, so it is left out. A change is applied
 * when its call arrives, so its own answer overlaps the delay: the true floor is one latency per
 * changing step below this figure.
 *
 * Slack calls are read from the Slack simulator, from the approval click until the request is
 * completed and no Slack job is left. "Per run" are the run's own (the checklist, the evidence
 * pack and the names in it, the closing message to the requester); the approval click's own
 * (asking who may approve, the approval message's update, the "approved" message) are shown
 * beside them. users.info repeats are counted per user over the whole request.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SYSTEMS } from '../jobs/index.js';
import { stepJobsOf } from '../src/runs/step-job.js';
import { phasesOf } from '../src/runs/step-phases.js';
import { loadConfig } from '../src/config/config.js';
import type { Finding, StepContext } from '../src/connectors/connector.js';
import type { ConnectedSystem } from '../src/connectors/system.js';
import { startLocalStack, type LocalStack } from '../app/demo/local-stack.js';
import { ibmCloudEnv } from '../src/simulators/ibm-cloud/kit.js';
import { SlackPlayer } from '../app/demo/slack-player.js';
import { PEOPLE, WORKSPACE_USERS } from '../app/demo/workspace.js';
import { createMetrics } from '../src/metrics/metrics.js';
import { QUEUES } from '../src/queue/queue-names.js';
import { Keys } from '../src/redis.js';
import { RequestStore } from '../src/requests/request-store.js';
import type { RunDeps } from '../src/runs/run-deps.js';
import { startIbmCloudSimulator } from '../src/simulators/ibm-cloud/index.js';
import type { IbmCloudSimulator, RecordedRequest } from '../src/simulators/ibm-cloud/index.js';
import { startLocalRedis } from '../src/simulators/local-redis.js';
import type { RecordedCall } from '../src/simulators/slack/index.js';
import { eventsOf, readTrail } from '../test/support/approval-helpers.js';
import { productionEnv } from './support/production-env.js';
import { identifyEverywhere } from '../src/runs/identities.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const IBM = { latencyMs: 50, consistencyDelayMs: 500 };
const TARGET = { normal: 1.2, ratelimited: 1.3, slackCalls: 10 };
const TOKEN_PATH = /^\/identity\/token/;

// The whole bench stops by itself, whatever hangs.
setTimeout(() => {
  console.error('bench:exposure: did not finish within 9.5 minutes');
  process.exit(2);
}, 570_000).unref();

/** Calls that arrive within half a latency of a wave's first call ran side by side: one wave. */
function waves(requests: RecordedRequest[]): number {
  let count = 0;
  let start = -Infinity;
  for (const at of requests
    .filter((r) => !TOKEN_PATH.test(r.path))
    .map((r) => Date.parse(r.at))
    .sort((a, b) => a - b)) {
    if (at - start >= IBM.latencyMs / 2) {
      count += 1;
      start = at;
    }
  }
  return count;
}

/** What `run` asked of the simulator, in waves. */
async function wavesOf<T>(ibm: IbmCloudSimulator, run: () => Promise<T>): Promise<{ result: T; waves: number }> {
  const from = ibm.requests.length;
  const result = await run();
  return { result, waves: waves(ibm.requests.slice(from)) };
}

interface StepChain {
  step: string;
  scope: string;
  closing: boolean;
  waves: number;
  changed: boolean;
  ms: number;
}

/** The critical path, from each step's own calls against a fresh simulator (see the header). */
async function criticalPath(): Promise<{ ms: number; identifyWaves: number; chains: StepChain[] }> {
  const ibm = await startIbmCloudSimulator(IBM);
  try {
    const config = loadConfig(
      {
        SLACK_BOT_TOKEN: 'xoxb-calibration',
        SLACK_SIGNING_SECRET: 'calibration',
        OFFBOARD_APPROVAL_CHANNEL: 'C0CALIBRATE',
        OFFBOARD_APPROVERS: 'U0CALIBRATE',
        ...ibmCloudEnv(ibm.url),
      },
      SYSTEMS,
    );
    const { module, settings } = config.systems.find((s) => s.module.id === 'ibm-cloud')!;
    // No budget is set, so the client never touches this Redis: it does not even connect.
    const client = settings.connect({ metrics: createMetrics(), redis: new Redis({ lazyConnect: true }), keys: new Keys('calibration') });
    await settings.checkStartup(client);
    const connected: ConnectedSystem = { module, settings, client };
    const deps: Pick<RunDeps, 'systems'> = { systems: new Map([[module.id, connected]]) };
    const email = WORKSPACE_USERS.find((u) => u.id === PEOPLE.jane)!.email!;
    const person = { requestId: 'OFF-BENCH0', slackUserId: PEOPLE.jane, email };
    const identified = await wavesOf(ibm, () => identifyEverywhere(connected, person, []));
    const steps = stepJobsOf(module).filter((s) => phasesOf(s.capabilities(deps, settings.scopes[0]!)).includes('delete'));
    const chains: StepChain[] = [];
    for (const scope of settings.scopes) {
      for (const job of [...steps.filter((s) => !s.closing), ...steps.filter((s) => s.closing)]) {
        const caps = job.capabilities(deps, scope);
        const ctx: StepContext = { requestId: person.requestId, scope, transactionId: `offboard-bench-${job.step}`, person, identities: identified.result };
        const inventory = await wavesOf(ibm, () => caps.inventory(ctx));
        let total = inventory.waves;
        let changed = false;
        const action = job.reportsResidual ? undefined : (caps.delete ?? caps.disable);
        if (action && inventory.result.found.length) {
          const acted = await wavesOf(ibm, async () => {
            const changes = [];
            for await (const change of action.act(ctx, inventory.result.found as Finding[])) changes.push(change);
            return changes;
          });
          changed = acted.result.some((c) => c.outcome !== 'already_absent');
          // The read-back that confirms: after the consistency delay has passed.
          if (changed) await new Promise((r) => setTimeout(r, IBM.consistencyDelayMs + 20));
          const readBack = await wavesOf(ibm, () => action.readBack(ctx, []));
          if (!readBack.result.confirmed) console.warn(`calibration: ${job.name} in ${scope} not confirmed after the consistency delay`);
          total += acted.waves + readBack.waves;
        }
        chains.push({ step: job.name, scope, closing: job.closing, waves: total, changed, ms: total * IBM.latencyMs + (changed ? IBM.consistencyDelayMs : 0) });
      }
    }
    const scopes = settings.scopes.map((scope) => {
      const mine = chains.filter((c) => c.scope === scope);
      return Math.max(0, ...mine.filter((c) => !c.closing).map((c) => c.ms)) + mine.filter((c) => c.closing).reduce((sum, c) => sum + c.ms, 0);
    });
    return { ms: identified.waves * IBM.latencyMs + Math.max(...scopes), identifyWaves: identified.waves, chains };
  } finally {
    await ibm.close();
  }
}

type Mode = 'normal' | 'chat.update 429';

interface RunResult {
  mode: Mode;
  exposureMs: number;
  outcome: string;
  /** The run's own Slack calls, by method: the checklist, the evidence (and the names in it), the closing message. */
  runCalls: Record<string, number>;
  /** The approval click's own: who may approve, the approval message's update, the requester told of the approval. */
  approvalCalls: Record<string, number>;
  /** Slack calls of the whole request: submission, preview, approval and run. */
  requestCalls: Record<string, number>;
  usersInfoRepeats: number;
  refusedUpdates: number;
  checklistFinal: boolean;
}

function byMethod(calls: RecordedCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of calls) counts[c.method] = (counts[c.method] ?? 0) + 1;
  return counts;
}
const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** True once the request is completed and nothing is left to say in Slack (twice in a row, 100 ms apart). */
async function settled(stack: LocalStack, redis: Redis, id: string): Promise<void> {
  const store = new RequestStore(redis, new Keys(stack.config.redisPrefix));
  const slackQueue = new Queue(QUEUES.slack, { connection: redis, prefix: stack.config.redisPrefix });
  try {
    let quiet = 0;
    await until(
      async () => {
        const [request, counts] = await Promise.all([store.get(id), slackQueue.getJobCounts('active', 'waiting', 'delayed', 'prioritized')]);
        quiet = request?.status === 'completed' && sum(counts) === 0 ? quiet + 1 : 0;
        if (quiet < 2) await new Promise((r) => setTimeout(r, 100));
        return quiet >= 2;
      },
      60_000,
      'Slack output settled',
    );
  } finally {
    await slackQueue.close();
  }
}

async function oneRun(redisUrl: string, mode: Mode, env: Record<string, string>): Promise<RunResult> {
  const stack = await startLocalStack({ redisUrl, ibm: IBM, env });
  const player = new SlackPlayer(stack);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    const requestFrom = stack.slack.calls.length;
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'BENCH-7' });
    if (mode === 'chat.update 429') stack.slack.rateLimit('chat.update', Infinity, 1);
    const runFrom = stack.slack.calls.length;
    const clickedAt = Date.now();
    const click = await player.click(PEOPLE.alex, 'approve', id);
    if (click.status !== 200) throw new Error(`approve answered HTTP ${click.status}`);
    const trail = await until(
      async () => {
        const t = await readTrail(stack, id);
        return eventsOf(t, 'run.finished').length ? t : undefined;
      },
      60_000,
      'run.finished',
    );
    const verifiedAt = Math.max(...eventsOf(trail, 'step.verified').map((e) => Date.parse(e.firstConfirmedAt)));
    const outcome = eventsOf(trail, 'run.finished')[0]!.outcome;
    if (mode === 'chat.update 429') {
      // Slack recovers once the run is over; the checklist must catch up on its own.
      await until(async () => (await new RequestStore(redis, new Keys(stack.config.redisPrefix)).get(id))?.status === 'completed', 60_000, 'completed');
      stack.slack.rateLimit('chat.update', 0, 0);
    }
    await settled(stack, redis, id);
    const checklist = JSON.stringify(player.checklist(id)?.blocks ?? []);
    const afterClick = stack.slack.calls.slice(runFrom);
    const approvalTs = player.approvalMessage(id)!.ts;
    const ofApproval = (c: RecordedCall) =>
      c.method === 'usergroups.users.list' ||
      (c.method === 'chat.update' && c.args.ts === approvalTs) ||
      (c.method === 'chat.postMessage' && /was approved/.test(String(c.args.text)));
    const requestCalls = stack.slack.calls.slice(requestFrom);
    const infoPerUser = byMethod(requestCalls.filter((c) => c.method === 'users.info').map((c) => ({ ...c, method: String(c.args.user) })));
    return {
      mode,
      exposureMs: verifiedAt - clickedAt,
      outcome,
      runCalls: byMethod(afterClick.filter((c) => !ofApproval(c))),
      approvalCalls: byMethod(afterClick.filter(ofApproval)),
      requestCalls: byMethod(requestCalls),
      usersInfoRepeats: Object.values(infoPerUser).reduce((n, c) => n + c - 1, 0),
      refusedUpdates: afterClick.filter((c) => c.method === 'chat.update' && !c.ok).length,
      // Every step verified, or all but the staging account's service credentials, which cannot be looked at.
      checklistFinal: (checklist.includes('every step verified') || checklist.includes('verified, except')) && checklist.includes('Evidence report'),
    };
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const s = (ms: number) => (ms / 1000).toFixed(2);

const localRedis = process.env.REDIS_URL ? undefined : await startLocalRedis();
const redisUrl = process.env.REDIS_URL ?? localRedis!.url;
try {
  const env = productionEnv();
  const path = await criticalPath();
  console.log(
    `IBM Cloud: ${IBM.latencyMs} ms per call, ${IBM.consistencyDelayMs} ms consistency delay; bot settings: ${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  console.log(`critical path: identification ${path.identifyWaves} waves × ${IBM.latencyMs} ms, then per account the slowest step + account membership:`);
  console.table(
    path.chains.map((c) => ({
      account: c.scope.slice(0, 8),
      step: c.step,
      'call waves': c.waves,
      'consistency delay': c.changed ? IBM.consistencyDelayMs : 0,
      ms: c.ms,
      closing: c.closing,
    })),
  );
  console.log(`critical path: ${s(path.ms)} s`);

  const results: RunResult[] = [];
  for (const mode of ['normal', 'chat.update 429'] as const) {
    for (let i = 0; i < RUNS; i++) results.push(await oneRun(redisUrl, mode, env));
  }
  console.table(
    results.map((r) => ({
      mode: r.mode,
      'exposure s': s(r.exposureMs),
      '× critical path': (r.exposureMs / path.ms).toFixed(2),
      outcome: r.outcome,
      'Slack calls (run)': sum(r.runCalls),
      '+ approval click': sum(r.approvalCalls),
      'Slack calls (request)': sum(r.requestCalls),
      'users.info repeats': r.usersInfoRepeats,
      'refused chat.update': r.refusedUpdates,
      'checklist final': r.checklistFinal,
    })),
  );
  const normal = results.filter((r) => r.mode === 'normal');
  const limited = results.filter((r) => r.mode !== 'normal');
  if (!normal.length) process.exit(0);
  console.log("Slack calls of the first normal run, by method (run: the run's own; approval: the click's own; request: everything from /offboard on):");
  console.table(
    Object.keys(normal[0]!.requestCalls)
      .sort()
      .map((method) => ({
        method,
        run: normal[0]!.runCalls[method] ?? 0,
        approval: normal[0]!.approvalCalls[method] ?? 0,
        request: normal[0]!.requestCalls[method] ?? 0,
      })),
  );
  const ratio = (rs: RunResult[]) => median(rs.map((r) => r.exposureMs)) / path.ms;
  const worst = (rs: RunResult[]) => Math.max(...rs.map((r) => r.exposureMs)) / path.ms;
  const calls = Math.max(...normal.map((r) => sum(r.runCalls)));
  const withApproval = Math.max(...normal.map((r) => sum(r.runCalls) + sum(r.approvalCalls)));
  const repeats = Math.max(...results.map((r) => r.usersInfoRepeats));
  console.log(
    `summary: exposure ${s(median(normal.map((r) => r.exposureMs)))} s = ${ratio(normal).toFixed(2)}× critical path ${s(path.ms)} s (≤ ${TARGET.normal}×, worst ${worst(normal).toFixed(2)}×); ` +
      `with chat.update 429: ${ratio(limited).toFixed(2)}× (≤ ${TARGET.ratelimited}×, worst ${worst(limited).toFixed(2)}×); ` +
      `Slack calls per run ${calls} (≤ ${TARGET.slackCalls}; ${withApproval} with the approval click's own); users.info repeats ${repeats}; medians of ${RUNS} runs each`,
  );
} finally {
  await localRedis?.stop();
}
process.exit(0);
