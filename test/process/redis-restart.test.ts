import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../app/demo/local-stack.js';
import { SlackPlayer } from '../../app/demo/slack-player.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';
import { startLocalRedis, type LocalRedis } from '../../src/simulators/local-redis.js';
import { eventsOf, eventually, finishedTrail, readTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';

describe('Redis restarted in the middle of a run (append-only file on)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('loses nothing, and the run finishes verified without restarting the bot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'offboard-aof-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    let redis: LocalRedis = await startLocalRedis({ aofDir: dir });
    cleanup.push(() => redis.stop());
    const port = Number(new URL(redis.url).port);
    const stack: LocalStack = await startLocalStack({ redisUrl: redis.url, ibm: { latencyMs: 100 } });
    cleanup.push(() => stack.stop());
    const player = new SlackPlayer(stack);
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-AOF' });
    await player.click(PEOPLE.alex, 'approve', id);
    const before = await eventually(
      async () => {
        const t = await readTrail(stack, id);
        return eventsOf(t, 'step.acted').length ? t : undefined;
      },
      15_000,
      'a first change',
    );

    await redis.stop();
    await new Promise((r) => setTimeout(r, 500));
    redis = await startLocalRedis({ port, aofDir: dir });

    const trail = await finishedTrail(stack, id, { timeoutMs: 40_000 });
    // Everything written before the restart is still there, in order.
    expect(trail.slice(0, before.length).map((e) => e.seq)).toEqual(before.map((e) => e.seq));
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    // Each step's end is stated once, however often its job ran around the restart.
    const ends = eventsOf(trail, 'step.verified').map((e) => e.stepId);
    expect(ends).toEqual([...new Set(ends)]);
    expect(eventsOf(trail, 'run.finished')).toHaveLength(1);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) expect(stack.ibm.userInAccount(account, JANE_EMAIL)).toBeUndefined();
    await player.evidence(id, 20_000);
  }, 90_000);
});
