/**
 * Memory over 5 rounds of 100 people offboarded at once (bench/support/crowd-run.ts), of a
 * worker-only process (OFFBOARD_ROLE=worker) and then of an all-in-one process (OFFBOARD_ROLE=all,
 * which loads everything a process answering Slack does, its render thread among it, while the
 * bench's own web process takes Slack's requests): one process at a time, the bundled bot started
 * as `npm start` starts it (bench/support/crowd-run.ts builds it first), with the default settings
 * and the --max-old-space-size=96 docs/operations.md gives, IBM
 * simulated at 50 ms per call plus 500 ms consistency delay. After each round
 * it prints the worker's resident set now and at its peak (/proc) and the lowest heap its /metrics shows
 * in the 10 s after the round. The summary gives the peak over the first round (issue 17's target is
 * per 100 people) and over all of them (the resident set creeps a few MiB over rounds while the heap
 * stays flat). Flat means no steady growth: it prints the heap's growth per round (least squares)
 * and the last round against the mean of all.
 *
 *   npm run bench:memory
 *   BENCH_ROUNDS=3 BENCH_PEOPLE=50 BENCH_ROLES=all npm run bench:memory
 */
import { startLocalRedis } from '../src/simulators/local-redis.js';
import { processMemoryMiB, scrape, startCrowdRun } from './support/crowd-run.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const people = Number(process.env.BENCH_PEOPLE ?? 100);
/** OFFBOARD_WORKER_CONCURRENCY: the default. */
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** The worker's V8 old-space cap, as docs/operations.md's deployment examples set it; 0 leaves V8's default (it then grows the heap to ~200 MiB before collecting). */
const heapMiB = Number(process.env.BENCH_WORKER_HEAP_MB ?? 96);
const roles = (process.env.BENCH_ROLES ?? 'worker,all').split(',') as ('worker' | 'all')[];
const TARGET_MIB = { worker: 150, all: 200 };

const redis = process.env.REDIS_URL ? undefined : await startLocalRedis();
const summaries: string[] = [];
for (const role of roles) {
  const crowd = await startCrowdRun({
    redisUrl: process.env.REDIS_URL ?? redis!.url,
    role,
    people: rounds * people,
    workers: 1,
    concurrency,
    latencyMs: 50,
    consistencyDelayMs: 500,
    deadlineMs: 90_000,
    ...(heapMiB ? { workerHeapMiB: heapMiB } : {}),
  });
  const rows: Record<string, string | number>[] = [];
  try {
    const [worker] = crowd.workers;
    const [port] = crowd.workerPorts;
    let peak = 0;
    for (let round = 1; round <= rounds; round++) {
      const ids = await crowd.submit(Array.from({ length: people }, (_, i) => (round - 1) * people + i));
      const sampler = setInterval(() => (peak = Math.max(peak, processMemoryMiB(worker!.child.pid).rss)), 200);
      const { results } = await crowd.approveAll(ids);
      clearInterval(sampler);
      // The last Slack refreshes settle meanwhile; the lowest reading is the heap after a collection: what stays.
      // 10 s: V8 collects an idle heap about 8 s after it went idle; read sooner, a round that ended between
      // two collections showed up to 10 MiB of garbage as if it stayed.
      let heap = Infinity;
      for (let i = 0; i < 40; i++) {
        await new Promise((r) => setTimeout(r, 250));
        heap = Math.min(heap, await scrape(port!, 'nodejs_heap_size_used_bytes'));
      }
      const memory = processMemoryMiB(worker!.child.pid);
      rows.push({
        round,
        // Every step verified, or all but those that cannot look (the staging account's service credentials): nothing to retry.
        verified: `${results.filter((r) => r.outcome === 'verified' || r.outcome === 'unchecked').length}/${people}`,
        'RSS MiB': Math.round(memory.rss),
        'peak RSS MiB (VmHWM)': Math.round(Math.max(memory.peak, peak)),
        'heap used MiB': +(heap / 2 ** 20).toFixed(1),
      });
    }
    const heaps = rows.map((r) => r['heap used MiB'] as number);
    const peakRss = Math.max(...rows.map((r) => r['peak RSS MiB (VmHWM)'] as number));
    // The high-water mark so far: the first row's is the peak over the first round alone.
    const firstPeak = rows[0]!['peak RSS MiB (VmHWM)'] as number;
    const mean = heaps.reduce((a, b) => a + b, 0) / heaps.length;
    // Least-squares growth of the heap per round: a leak shows as a steady positive slope.
    const xMean = (heaps.length + 1) / 2;
    const slope = heaps.reduce((sum, h, i) => sum + (i + 1 - xMean) * (h - mean), 0) / heaps.reduce((sum, _h, i) => sum + (i + 1 - xMean) ** 2, 0);
    console.log(`OFFBOARD_ROLE=${role}:`);
    console.table(rows.splice(0));
    summaries.push(
      `${role === 'all' ? 'all-in-one' : 'worker-only'} peak RSS over the first ${people} people ${firstPeak} MiB, over all ${rounds} rounds ${peakRss} MiB (target ≤ ${TARGET_MIB[role]} MiB over 100 people) with ${heapMiB ? `--max-old-space-size=${heapMiB}` : "V8's default heap limit"}; heap after each of ${rounds} rounds of ${people} people ${heaps.join(', ')} MiB: ${slope >= 0 ? '+' : ''}${slope.toFixed(1)} MiB per round, last round ${(heaps.at(-1)! / mean).toFixed(2)}× the mean (${heaps.at(-1)! / mean <= 1.1 ? 'flat' : 'GROWING'}: flat is at most 1.10×)`,
    );
  } catch (err) {
    console.error(`the ${role} process said:\n${crowd.workers[0]!.output().slice(-2000)}`);
    throw err;
  } finally {
    await crowd.stop();
  }
}
console.log(`summary: ${summaries.join('; ')}`);
await redis?.stop();
