import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ACME_PRODUCTION } from '../../src/simulators/ibm-cloud/index.js';
import { FACILITIES_GROUP, PEOPLE } from '../../app/demo/workspace.js';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { TASK_STEP, TASK_SCOPE } from '../../src/connectors/manual/system.js';
import { TASK_TEMPLATES } from '../../src/connectors/manual/templates.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { runView } from '../../src/runs/run-view.js';
import { TaskDesk } from '../../src/runs/task-desk.js';
import { createSlackClient } from '../../src/slack/slack-client.js';
import { SlackDirectory } from '../../src/slack/slack-directory.js';
import { SlackOutbox } from '../../src/slack/slack-outbox.js';
import { ephemeralsFor, eventsOf, eventually, finishedTrail, queueSnapshot, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

/**
 * The conformance suite's cases are about what a system answers (absent, disabled, paging, 429,
 * read-back); a manual task calls no system, and a person's attestation replaces the read-back. These
 * are the cases that matter for it, run for every shipped template as a team switches it on: only
 * its attesters (or approvers) close it, two clicks close it once, and an attestation recorded by a
 * process that died before waking the task is not lost.
 */
const start = useStack();
const janeLeaves = { person: PEOPLE.jane, reason: 'resignation' as const, successor: PEOPLE.taylor, ticket: 'HR-TASKS' };

describe.each(Object.keys(TASK_TEMPLATES))('the %s task (kind: manual, one line from its template)', (template) => {
  const task = `${template}.${TASK_SCOPE}.${TASK_STEP}`;

  async function opened(env: Record<string, string> = {}) {
    // IBM Cloud in the account its key belongs to only, where every step can look: the round's outcome is the task's to decide.
    const started = await start({ tasks: [template], env, ibm: { accounts: [ACME_PRODUCTION] } });
    const id = await started.player.request(PEOPLE.morgan, janeLeaves);
    await started.player.click(PEOPLE.alex, 'approve', id);
    await eventually(async () => runView(await readTrail(started.stack, id)).steps.find((s) => s.id === task)?.state === 'open', 20_000, 'the task to open');
    return { ...started, id };
  }

  it('is closed only by an attester or an approver, and two clicks at once close it once', async () => {
    const { stack, player, id } = await opened();
    await player.task(PEOPLE.dana, 'taskDone', id, task);
    expect(ephemeralsFor(stack, PEOPLE.dana).at(-1)?.text).toContain(`Only <!subteam^${FACILITIES_GROUP}> or an offboarding approver can attest`);
    const afterRefusal = await readTrail(stack, id);
    expect(eventsOf(afterRefusal, 'step.attested')).toEqual([]);
    // Once every other step has ended, the task's job is the one left, parked, holding no worker slot.
    await eventually(
      async () => {
        const { revocations } = (await queueSnapshot(stack)).counts;
        return revocations.delayed === 1 && !revocations.active && !revocations.waiting && !revocations['waiting-children'];
      },
      20_000,
      'the task alone, parked',
    );

    await Promise.all([player.task(PEOPLE.taylor, 'taskDone', id, task), player.task(PEOPLE.morgan, 'taskDone', id, task)]);
    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'step.attested')).toHaveLength(1);
    expect(eventsOf(trail, 'run.finished')).toMatchObject([{ outcome: 'attested' }]);
    expect((await queueSnapshot(stack)).counts.revocations).toMatchObject({ delayed: 0 });
  });

  it('an attestation recorded by a process that died before waking the task is found at its next wake', async () => {
    const { stack, id } = await opened({ OFFBOARD_TASK_REMIND_AFTER: '2s' });
    const redis = new Redis(stack.config.redisUrl);
    const keys = new Keys(stack.config.redisPrefix);
    // Its handle on the queue finds no job to wake (another prefix): as if it died right after recording.
    const nowhere = new Queue(QUEUES.revocations, { connection: redis, prefix: `${stack.config.redisPrefix}-gone` });
    const slack = new Queue(QUEUES.slack, { connection: redis, prefix: stack.config.redisPrefix });
    try {
      const desk = new TaskDesk({
        audit: new AuditTrail(redis, keys),
        store: new RequestStore(redis, keys),
        directory: new SlackDirectory(createSlackClient(stack.config.slack), stack.config.approvers),
        outbox: new SlackOutbox(slack),
        revocations: nowhere,
      });
      expect(await desk.attest(id, task, PEOPLE.taylor, 'done')).toMatchObject({ kind: 'attested' });
      const trail = await finishedTrail(stack, id);
      expect(eventsOf(trail, 'run.finished')[0]!.outcome).toBe('attested');
      expect(eventsOf(trail, 'task.reminded')).toEqual([]);
    } finally {
      await Promise.all([nowhere.close(), slack.close()]);
      await redis.quit();
    }
  });
});
