import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { createLogger } from '../../src/logger.js';
import { startOffboardBot } from '../../app/offboard-bot.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import type { RecordedCall } from '../../src/simulators/slack/index.js';
import { CHECKLIST_VERIFIED_BUT_ONE, eventsOf, eventually, finishedTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const janeLeaves = { person: PEOPLE.jane, reason: 'resignation' as const, successor: PEOPLE.taylor, ticket: 'HR-CALLS' };

/** Once the request is completed and no Slack job is waiting, delayed or running: nothing more will be said. */
async function settled(stack: LocalStack, id: string): Promise<void> {
  const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  const store = new RequestStore(redis, new Keys(stack.config.redisPrefix));
  const slack = new Queue(QUEUES.slack, { connection: redis, prefix: stack.config.redisPrefix });
  try {
    await eventually(
      async () => {
        const [request, counts] = await Promise.all([store.get(id), slack.getJobCounts('active', 'waiting', 'delayed', 'prioritized')]);
        return request?.status === 'completed' && Object.values(counts).every((n) => n === 0);
      },
      20_000,
      'the request completed and its Slack output sent',
    );
  } finally {
    await slack.close();
    await redis.quit();
  }
}

describe('the Slack calls of one offboarding', () => {
  it('a one-person, two-account run makes at most 10 Slack calls of its own, turns its step events into a few checklist updates, and asks users.info about nobody twice', async () => {
    const { stack, player } = await start();
    const requestFrom = stack.slack.calls.length;
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    const clickFrom = stack.slack.calls.length;
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    await settled(stack, id);

    const approvalTs = player.approvalMessage(id)!.ts;
    const checklist = player.checklist(id)!;
    // The approval click's own: who may approve, the approval message's update, the requester told.
    const ofApproval = (c: RecordedCall) =>
      c.method === 'usergroups.users.list' ||
      (c.method === 'chat.update' && c.args.ts === approvalTs) ||
      (c.method === 'chat.postMessage' && /was approved/.test(String(c.args.text)));
    // The successor's hand-over message (what she created is handed over): a message of its own, once a request.
    const ofHandOver = (c: RecordedCall) =>
      (c.method === 'conversations.open' && c.args.users === PEOPLE.taylor) ||
      (c.method === 'chat.postMessage' && (c.args.metadata as { event_type?: string } | undefined)?.event_type === 'offboard_handover');
    expect(stack.slack.calls.slice(clickFrom).filter(ofHandOver)).toHaveLength(2);
    const run = stack.slack.calls.slice(clickFrom).filter((c) => !ofApproval(c) && !ofHandOver(c));
    expect(run.length, run.map((c) => c.method).join(', ')).toBeLessThanOrEqual(10);

    // Posted once; the dozens of step events in between became a few updates, not one each.
    const stepEvents = trail.filter((e) => e.type.startsWith('step.')).length;
    const posts = run.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === approvalTs);
    const updates = run.filter((c) => c.method === 'chat.update' && c.args.ts === checklist.ts);
    expect(posts).toHaveLength(1);
    expect(stepEvents).toBeGreaterThan(20);
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.length).toBeLessThanOrEqual(3);
    const text = JSON.stringify(checklist.blocks);
    expect(text).toContain(CHECKLIST_VERIFIED_BUT_ONE);
    expect(text).toContain('Evidence report');

    const looked = stack.slack.calls
      .slice(requestFrom)
      .filter((c) => c.method === 'users.info')
      .map((c) => String(c.args.user));
    expect(looked.length).toBeGreaterThan(0);
    expect(looked).toEqual([...new Set(looked)]);
  });

  it('a request approved long after it was made asks Slack, in a worker of its own, about the approvers only: its people are named as the request recorded them', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_ROLE: 'web' } });
    const worker = await startOffboardBot({ ...stack.config, role: 'worker' }, { logger: createLogger('silent') });
    try {
      const id = await player.request(PEOPLE.morgan, janeLeaves);
      // What Slack said at submission has expired everywhere (the worker never held it in memory).
      const redis = new Redis(stack.config.redisUrl);
      const cached = await redis.keys(`${stack.config.redisPrefix}:slack:person:*`);
      expect(cached.length).toBeGreaterThan(0);
      await redis.del(...cached);
      await redis.quit();
      const clickFrom = stack.slack.calls.length;

      await player.click(PEOPLE.alex, 'approve', id);
      await finishedTrail(stack, id);
      await settled(stack, id);

      const asked = stack.slack.calls
        .slice(clickFrom)
        .filter((c) => c.method === 'users.info')
        .map((c) => String(c.args.user));
      expect(asked.sort()).toEqual([PEOPLE.alex, PEOPLE.riley].sort());
      const pack = stack.slack.files.find((f) => f.filename.endsWith(`${id}.json`));
      expect(pack).toBeDefined();
    } finally {
      await worker.stop();
    }
  });
});
