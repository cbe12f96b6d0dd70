/**
 * Bulk offboarding through the bot against the sequential script (bench/sequential-script.ts), on
 * the same machine and the same simulated IBM Cloud: 50 ms per call, 500 ms before a change is
 * visible, both accounts holding every person of the crowd. Each person holds, in each of two
 * accounts, a membership, an API key, an access-group membership and a direct policy.
 *
 * For each crowd size it prints the bot's throughput, the slowest person's approval-to-verified
 * time, IBM calls and CPU seconds per person (bench process with web role and simulators, worker
 * processes, Redis). The script runs on a sample of the largest crowd: running it for all of them
 * would take most of an hour; its rate is per person and flat, so the sample gives it.
 *
 *   npm run bench:bulk
 *   BENCH_SIZES=10,100 BENCH_WORKERS=2 BENCH_CONCURRENCY=64 IBMCLOUD_MAX_RPS=50 npm run bench:bulk
 */
import { ACME_PRODUCTION, ACME_STAGING, SIM_BOT_API_KEY, startIbmCloudSimulator } from '../src/simulators/ibm-cloud/index.js';
import { crowdIbmSeed } from '../src/demo/crowd.js';
import { startLocalRedis } from '../src/simulators/local-redis.js';
import { crowdPerson, percentile, startCrowdRun } from './support/crowd-run.js';
import { sequentialScript } from './sequential-script.js';

const sizes = (process.env.BENCH_SIZES ?? '10,500').split(',').map(Number);
const workers = Number(process.env.BENCH_WORKERS ?? 1);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const sample = Number(process.env.BENCH_SCRIPT_SAMPLE ?? 10);
const maxRps = process.env.IBMCLOUD_MAX_RPS;
const LATENCY_MS = 50;
const CONSISTENCY_MS = 500;

const redis = process.env.REDIS_URL ? undefined : await startLocalRedis();
const redisUrl = process.env.REDIS_URL ?? redis!.url;
const rows: Record<string, string | number>[] = [];
let botRate = 0;
let failures = 0;
try {
  for (const people of sizes) {
    const crowd = await startCrowdRun({
      redisUrl,
      people,
      workers,
      concurrency,
      latencyMs: LATENCY_MS,
      consistencyDelayMs: CONSISTENCY_MS,
      env: maxRps ? { IBMCLOUD_MAX_RPS: maxRps } : {},
      deadlineMs: 8 * 60_000,
    });
    try {
      const ids = await crowd.submit(Array.from({ length: people }, (_, i) => i));
      const { results, elapsedMs, ibmCalls, cpu } = await crowd.approveAll(ids);
      const done = results.filter((r) => r.outcome);
      const verified = done.filter((r) => r.outcome === 'verified').length;
      failures += people - verified;
      const times = done.map((r) => r.approvalToVerifiedMs ?? NaN).filter(Number.isFinite);
      botRate = (done.length / elapsedMs) * 60_000;
      rows.push({
        people,
        'worker processes × concurrency': `${workers} × ${concurrency}`,
        verified: `${verified}/${people}`,
        'people/min': Math.round(botRate),
        'approval→verified p50 s': +(percentile(times, 50) / 1000).toFixed(1),
        'slowest s': +(Math.max(...times) / 1000).toFixed(1),
        'IBM calls/person': +(ibmCalls / people).toFixed(1),
        'ms/person': Math.round(elapsedMs / people),
        'CPU ms/person web+sims': Math.round((cpu['web + simulators + driver'] * 1000) / people),
        'CPU ms/person workers': Math.round((cpu.workers * 1000) / people),
        'CPU ms/person redis': Math.round((cpu.redis * 1000) / people),
      });
    } finally {
      await crowd.stop();
    }
  }

  // The reference: the same SDK, one person after another, in accounts as large as the largest crowd.
  const largest = Math.max(...sizes);
  const ibm = await startIbmCloudSimulator({ seed: crowdIbmSeed(largest), latencyMs: LATENCY_MS, consistencyDelayMs: CONSISTENCY_MS });
  let scriptRate = 0;
  try {
    const script = sequentialScript({ url: ibm.url, apiKey: SIM_BOT_API_KEY, accountIds: [ACME_PRODUCTION, ACME_STAGING] });
    const started = Date.now();
    for (let i = 0; i < sample; i++) await script.offboard(crowdPerson(i).email);
    const perPerson = (Date.now() - started) / sample;
    scriptRate = 60_000 / perPerson;
    rows.push({
      people: largest,
      'worker processes × concurrency': `sequential script, ${sample} of them`,
      verified: `${sample}/${sample}`,
      'people/min': Math.round(scriptRate),
      'IBM calls/person': +(ibm.requests.length / sample).toFixed(1),
      'ms/person': Math.round(perPerson),
    });
  } finally {
    await ibm.close();
  }
  console.table(rows);
  const ratio = botRate / scriptRate;
  console.log(
    `summary: ${Math.max(...sizes)} people at ${Math.round(botRate)}/min = ${ratio.toFixed(1)}× the sequential script's ${Math.round(scriptRate)}/min (target ≥ 10×), ${failures} not verified` +
      (maxRps ? `, IBMCLOUD_MAX_RPS=${maxRps}` : ''),
  );
} finally {
  await redis?.stop();
}
