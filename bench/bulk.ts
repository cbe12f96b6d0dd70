/**
 * Bulk offboarding through the bot against the sequential script (bench/sequential-script.ts), on
 * the same machine and the same simulated IBM Cloud: 50 ms per call, 500 ms before a change is
 * visible, both accounts holding every person of the crowd. Each person holds, in each of two
 * accounts, a membership, an API key, an access-group membership and a direct policy.
 *
 * For each crowd size it prints the bot's throughput, the slowest person's approval-to-verified
 * time, IBM calls and CPU seconds per person (bench process with web role and simulators, worker
 * processes, Redis). Then one crowd (500 people unless BENCH_BUDGET_PEOPLE says otherwise) runs
 * under a per-account budget (IBMCLOUD_MAX_RPS), against the bound that budget and the script's
 * calls per person set (issue 17): budget × accounts ÷ the script's calls for removal and one
 * verification pass, measured in accounts as large as that crowd; and, stricter, against the bound
 * the bot's own calls per person set. The script runs on a sample of each crowd it is compared
 * with: all of them would take most of an hour, and its rate per person does not depend on how
 * many follow (its calls do: it lists every user and every key of the account for each person).
 *
 *   npm run bench:bulk
 *   BENCH_SIZES=10,100 BENCH_WORKERS=2 BENCH_CONCURRENCY=32 BENCH_BUDGET_RPS=0 npm run bench:bulk
 *
 * Worker processes run with the heap cap docs/operations.md advises (--max-old-space-size=96 at concurrency
 * 8, 128 above; BENCH_WORKER_HEAP_MB, 0 for V8's default).
 */
import { ACME_PRODUCTION, ACME_STAGING, SIM_BOT_API_KEY, startIbmCloudSimulator } from '../src/simulators/ibm-cloud/index.js';
import { crowdIbmSeed } from '../app/demo/crowd.js';
import { startLocalRedis } from '../src/simulators/local-redis.js';
import { crowdPerson, percentile, startCrowdRun } from './support/crowd-run.js';
import { sequentialScript } from './sequential-script.js';

const sizes = (process.env.BENCH_SIZES ?? '10,500').split(',').map(Number);
const workers = Number(process.env.BENCH_WORKERS ?? 1);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const sample = Number(process.env.BENCH_SCRIPT_SAMPLE ?? 5);
/** 0 skips the budgeted run. */
const budgetRps = Number(process.env.BENCH_BUDGET_RPS ?? 40);
const budgetPeople = Number(process.env.BENCH_BUDGET_PEOPLE ?? 500);
/** Each worker's V8 old-space cap, as docs/operations.md advises for the concurrency; 0 for V8's default. */
const heapMiB = Number(process.env.BENCH_WORKER_HEAP_MB ?? (concurrency > 8 ? 128 : 96));
const ACCOUNTS = [ACME_PRODUCTION, ACME_STAGING];
const LATENCY_MS = 50;
const CONSISTENCY_MS = 500;

const redis = process.env.REDIS_URL ? undefined : await startLocalRedis();
const redisUrl = process.env.REDIS_URL ?? redis!.url;

interface Measured {
  rate: number;
  failures: number;
  callsPerPerson: number;
  /** The script's: its removal and one verification pass, without the passes that found something left. */
  onePassCallsPerPerson?: number;
  /** The bot's: IBM calls per person of each operation, from the approvals on. */
  perOperation?: Map<string, number>;
  row: Record<string, string | number>;
}

async function crowdOf(people: number, env: Record<string, string> = {}): Promise<Measured> {
  const crowd = await startCrowdRun({
    redisUrl,
    people,
    workers,
    concurrency,
    latencyMs: LATENCY_MS,
    consistencyDelayMs: CONSISTENCY_MS,
    env,
    deadlineMs: 8 * 60_000,
    ...(heapMiB ? { workerHeapMiB: heapMiB } : {}),
  });
  try {
    const ids = await crowd.submit(Array.from({ length: people }, (_, i) => i));
    const { results, elapsedMs, ibmCalls, byOperation, cpu } = await crowd.approveAll(ids);
    const done = results.filter((r) => r.outcome);
    // Every step verified, or all but those that cannot look (the staging account's service credentials): nothing to retry.
    const verified = done.filter((r) => r.outcome === 'verified' || r.outcome === 'unchecked').length;
    const times = done.map((r) => r.approvalToVerifiedMs ?? NaN).filter(Number.isFinite);
    const rate = (done.length / elapsedMs) * 60_000;
    return {
      rate,
      failures: people - verified,
      callsPerPerson: ibmCalls / people,
      perOperation: new Map([...byOperation].map(([op, n]) => [op, n / people])),
      row: {
        people,
        'workers × concurrency': `${workers} × ${concurrency}`,
        budget: env.IBMCLOUD_MAX_RPS ? `${env.IBMCLOUD_MAX_RPS}/s per account` : 'none',
        verified: `${verified}/${people}`,
        'people/min': Math.round(rate),
        'approval→verified p50 s': +(percentile(times, 50) / 1000).toFixed(1),
        'slowest s': +(Math.max(...times) / 1000).toFixed(1),
        'IBM calls/person': +(ibmCalls / people).toFixed(1),
        'step retries / looks again / pauses': `${done.reduce((n, r) => n + (r.retries ?? 0), 0)} / ${done.reduce((n, r) => n + (r.relooks ?? 0), 0)} / ${done.reduce((n, r) => n + (r.pauses ?? 0), 0)}`,
        'ms/person': Math.round(elapsedMs / people),
        'CPU ms/person bench+sims': Math.round((cpu['web + simulators + driver'] * 1000) / people),
        'CPU ms/person workers': Math.round((cpu.workers * 1000) / people),
        'CPU ms/person redis': Math.round((cpu.redis * 1000) / people),
      },
    };
  } finally {
    await crowd.stop();
  }
}

/**
 * The reference: the same SDK, one person after another, in accounts as large as the crowd. Each
 * person is offboarded as `offboard` does it (removal, then verification passes, backing off, until
 * nothing is left), with the calls of the removal and the first pass counted apart.
 */
async function scriptOf(people: number): Promise<Measured> {
  const ibm = await startIbmCloudSimulator({ seed: crowdIbmSeed(people), latencyMs: LATENCY_MS, consistencyDelayMs: CONSISTENCY_MS });
  const calls = () => ibm.requests.filter((r) => r.path !== '/identity/token').length;
  try {
    const script = sequentialScript({ url: ibm.url, apiKey: SIM_BOT_API_KEY, accountIds: ACCOUNTS });
    let onePass = 0;
    const started = Date.now();
    for (let i = 0; i < sample; i++) {
      const before = calls();
      const removed = await script.remove(crowdPerson(i).email);
      let left = await script.verify(removed);
      onePass += calls() - before;
      for (let wait = 100; left > 0; wait = Math.min(wait * 2, 2000)) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        left = await script.verify(removed);
      }
    }
    const perPerson = (Date.now() - started) / sample;
    return {
      rate: 60_000 / perPerson,
      failures: 0,
      callsPerPerson: calls() / sample,
      onePassCallsPerPerson: onePass / sample,
      row: {
        people,
        'workers × concurrency': `sequential script (${sample} timed)`,
        verified: `${sample}/${sample}`,
        'people/min': +(60_000 / perPerson).toFixed(1),
        'IBM calls/person': `${+(calls() / sample).toFixed(1)} (removal + 1 pass: ${+(onePass / sample).toFixed(1)})`,
        'ms/person': Math.round(perPerson),
      },
    };
  } finally {
    await ibm.close();
  }
}

try {
  const rows: Record<string, string | number>[] = [];
  // Which operations grow with the crowd: the bot's calls per person by operation, a column a crowd.
  const operations = new Map<string, Map<string, number>>();
  let largest: Measured | undefined;
  for (const people of sizes) {
    largest = await crowdOf(people);
    rows.push(largest.row);
    operations.set(`${people}`, largest.perOperation!);
  }
  const biggest = Math.max(...sizes);
  const script = await scriptOf(biggest);
  let budgeted: { measured: Measured; script: Measured; bound: number; botBound: number } | undefined;
  if (budgetRps > 0) {
    const measured = await crowdOf(budgetPeople, { IBMCLOUD_MAX_RPS: String(budgetRps) });
    const scriptThere = budgetPeople === biggest ? script : await scriptOf(budgetPeople);
    const perSecond = budgetRps * ACCOUNTS.length;
    const bound = (60 * perSecond) / scriptThere.onePassCallsPerPerson!;
    const botBound = (60 * perSecond) / measured.callsPerPerson;
    budgeted = { measured, script: scriptThere, bound, botBound };
    operations.set(`${budgetPeople}, ${budgetRps}/s`, measured.perOperation!);
    rows.push({ ...measured.row, 'budget bound people/min': `${Math.round(bound)} (script's calls), ${Math.round(botBound)} (bot's)` });
    if (scriptThere !== script) rows.push(scriptThere.row);
  }
  rows.push(script.row);
  console.table(rows);
  const ops = [...new Set([...operations.values()].flatMap((m) => [...m.keys()]))].sort();
  console.log('IBM calls per person by operation, from the approvals on (the previews are made before):');
  console.table(Object.fromEntries(ops.map((op) => [op, Object.fromEntries([...operations].map(([crowd, m]) => [crowd, +(m.get(op) ?? 0).toFixed(2)]))])));
  const failures = (largest?.failures ?? 0) + (budgeted?.measured.failures ?? 0);
  console.log(
    `summary: ${biggest} people at ${Math.round(largest!.rate)}/min = ${(largest!.rate / script.rate).toFixed(1)}× the sequential script's ${script.rate.toFixed(1)}/min (target ≥ 10×), ${failures} not verified` +
      (budgeted
        ? `; ${budgetPeople} people with IBMCLOUD_MAX_RPS=${budgetRps} at ${Math.round(budgeted.measured.rate)}/min against the bound the budget and the script's ${budgeted.script.onePassCallsPerPerson!.toFixed(1)} calls a person (removal + 1 verification pass) set, ${Math.round(budgeted.bound)}/min: ${(budgeted.bound / budgeted.measured.rate).toFixed(2)}× (target ≤ 1.1×); against the stricter bound of the bot's own ${budgeted.measured.callsPerPerson.toFixed(1)} calls a person, ${Math.round(budgeted.botBound)}/min: ${(budgeted.botBound / budgeted.measured.rate).toFixed(2)}×`
        : ''),
  );
} finally {
  await redis?.stop();
}
