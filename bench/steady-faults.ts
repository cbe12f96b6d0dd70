/**
 * Many offboardings at once while IBM Cloud answers 20% of calls with 5xx and 10% with 429
 * (Retry-After 1 s): how many end fully verified in their first round, and how long they take.
 * Starts its own Redis and simulators; prints figures, asserts nothing.
 *
 *   npm run bench:faults                 # 500 people
 *   BENCH_PEOPLE=50 npm run bench:faults
 */
import { Redis } from 'ioredis';
import { eventsOf, readTrail } from '../test/support/approval-helpers.js';
import { crowdIbmSeed, crowdPerson, crowdSlackUsers } from '../app/demo/crowd.js';
import { startLocalStack } from '../app/demo/local-stack.js';
import { SlackPlayer } from '../app/demo/slack-player.js';
import { PEOPLE } from '../app/demo/workspace.js';
import { startLocalRedis } from '../src/simulators/local-redis.js';

const people = Number(process.env.BENCH_PEOPLE ?? 500);
const SERVICES = /^\/v\d/;

const redis = process.env.REDIS_URL ? undefined : await startLocalRedis();
const stack = await startLocalStack({
  redisUrl: process.env.REDIS_URL ?? redis!.url,
  ibm: { seed: crowdIbmSeed(people), faultSeed: 7 },
  extraSlackUsers: crowdSlackUsers(people),
  // Production defaults for attempts and backoff; only the worker count is raised for the crowd.
  env: {
    OFFBOARD_RETRY_DELAY_MS: '1000',
    OFFBOARD_RETRY_MAX_DELAY_MS: '30000',
    OFFBOARD_VERIFY_INTERVAL_MS: '1000',
    OFFBOARD_VERIFY_TIMEOUT_MS: '300000',
    OFFBOARD_WORKER_CONCURRENCY: '32',
  },
});
const player = new SlackPlayer(stack);
const redisClient = new Redis(stack.config.redisUrl);
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redisClient.info('memory'))?.[1] ?? 0);
const memoryBefore = await usedMemory();
try {
  const ids: string[] = [];
  for (let i = 0; i < people; i++) {
    ids.push(
      await player.request(
        PEOPLE.morgan,
        { person: crowdPerson(i).slackUserId, reason: 'contract_end', disposition: 'delete_now', ticket: `B-${i}` },
        { awaitPreview: false },
      ),
    );
  }
  stack.ibm.inject({ path: SERVICES, status: 500, rate: 0.15 });
  stack.ibm.inject({ path: SERVICES, status: 503, rate: 0.05 / 0.85 });
  stack.ibm.inject({ path: SERVICES, status: 429, rate: 0.1 / 0.8, retryAfterSeconds: 1 });
  const started = Date.now();
  for (const id of ids) await player.click(PEOPLE.alex, 'approve', id);

  const deadline = started + 9 * 60_000;
  let finished: Awaited<ReturnType<typeof readTrail>>[] = [];
  while (Date.now() < deadline) {
    const trails = await Promise.all(ids.map((id) => readTrail(stack, id)));
    finished = trails.filter((t) => eventsOf(t, 'run.finished').length > 0);
    if (finished.length === ids.length) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const elapsed = (Date.now() - started) / 1000;
  // Every step verified, or all but those that cannot look (the staging account's service credentials): nothing to retry.
  const verified = finished.filter((t) => ['verified', 'unchecked'].includes(eventsOf(t, 'run.finished')[0]!.outcome)).length;
  const faults = stack.ibm.requests.filter((r) => r.status === 500 || r.status === 503 || r.status === 429).length;
  const retries = finished.reduce((n, t) => n + eventsOf(t, 'step.retrying').length, 0);
  const perRequestKiB = ((await usedMemory()) - memoryBefore) / people / 1024;
  console.table([
    {
      people,
      'Redis KiB per request': Math.round(perRequestKiB),
      'finished in 9 min': finished.length,
      'verified in round 1': verified,
      'IBM calls': stack.ibm.requests.length,
      'faults served': faults,
      'step retries': retries,
      'seconds (approval → last finished)': Math.round(elapsed),
    },
  ]);
  console.log(
    `summary: ${verified}/${people} verified in round 1 under ${Math.round((100 * faults) / stack.ibm.requests.length)}% faults in ${Math.round(elapsed)} s`,
  );
} finally {
  redisClient.disconnect();
  await stack.stop();
  await redis?.stop();
}
