import type { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { ibmCloud } from '../../src/connectors/ibm-cloud/system.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { COMMAND } from '../../src/slack/blocks/ids.js';
import { eventually } from '../support/approval-helpers.js';
import { queueIsEmpty, useQueues } from '../support/queues.js';
import { useStack } from '../support/stack.js';

/**
 * The generic surfaces of a system's own work (src/connectors/system-feature.ts): `/offboard <verb>`
 * and buttons under a system's id reach only what a switched-on system offers; anything else is
 * refused privately and queues nothing.
 */
const start = useStack();
const queueOf = useQueues();
const systemsQueue = (stack: LocalStack): Queue => queueOf(stack, QUEUES.systems);
const systemsQueueIsEmpty = (stack: LocalStack) => queueIsEmpty(systemsQueue(stack));

describe("a system's own verbs and buttons", () => {
  it("refuses a button under a switched-on system's id that none of its features offers: the clicker is told privately, and nothing is queued", async () => {
    const { stack, player } = await start();
    const res = await stack.events.blockAction({
      userId: PEOPLE.alex,
      actionId: `${ibmCloud.id}.sweep.erase-everything`,
      value: '{}',
      channel: APPROVAL_CHANNEL,
      messageTs: '1700000000.000100',
    });
    await player.settled();
    expect(res.status).toBe(200);
    expect(stack.slack.ephemerals.filter((e) => e.user === PEOPLE.alex).map((e) => e.text)).toEqual([expect.stringContaining('not one I offer')]);
    expect(await systemsQueueIsEmpty(stack)).toBe(true);
    expect(stack.slack.messages(APPROVAL_CHANNEL)).toEqual([]);
  });

  it('answers `/offboard sweep` where no switched-on system offers it as a word it does not know, privately, and queues nothing', async () => {
    const { stack, player } = await start({ slackScim: true, ibmCloud: false });
    const before = stack.slack.responses.length;
    const res = await stack.events.slashCommand({ command: COMMAND, text: 'sweep', userId: PEOPLE.alex, channelId: GENERAL_CHANNEL });
    await player.settled();
    expect(res.status).toBe(200);
    const answer = [res.body, ...stack.slack.responses.slice(before).map((r) => JSON.stringify(r.body))].join();
    expect(answer).toContain('ephemeral');
    expect(answer).toContain('I could not read \\"sweep\\" as a person');
    // The help it shows lists no verb of a system that is switched off.
    expect(answer).not.toContain(`${COMMAND} sweep\``);
    expect(await systemsQueueIsEmpty(stack)).toBe(true);
  });

  it("lists the switched-on systems' verbs in `/offboard help`", async () => {
    const { stack } = await start();
    const res = await stack.events.slashCommand({ command: COMMAND, text: 'help', userId: PEOPLE.taylor, channelId: GENERAL_CHANNEL });
    expect(res.body).toContain(`\`${COMMAND} sweep\`: the inactive-identities sweep`);
  });

  it('fails a job on the shared queue that no feature of a switched-on system declares, for good and at once', async () => {
    const { stack } = await start();
    const queue = systemsQueue(stack);
    const job = await queue.add(`${ibmCloud.id}.no-such-job`, {}, { attempts: 5 });
    await eventually(async () => (await queue.getJobState(job.id!)) === 'failed', 10_000, 'the job failed');
    const failed = await queue.getJob(job.id!);
    expect(failed?.failedReason).toContain('no processor for job');
    expect(failed?.attemptsMade).toBe(1);
  });
});
