import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE, WORKSPACE_USERS } from '../../app/demo/workspace.js';
import { COMMAND } from '../../src/slack/blocks/ids.js';
import { itemTaskCode } from '../../src/runs/item-tasks.js';
import { runView } from '../../src/runs/run-view.js';
import { ACME_PRODUCTION, defaultIbmSeed, SIM_IAM_IDS, withVpc } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, eventually, finishedTrail, readTrail, withStore } from '../support/approval-helpers.js';
import { expectSlackSafe, HOSTILE, MIXED } from '../support/hostile-text.js';
import { useStack } from '../support/stack.js';

const start = useStack();

/** Every Web API method by which the bot puts text in front of people. */
const SAYS = new Set([
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'views.open',
  'views.update',
  'views.push',
  'views.publish',
  // A file's comment (an evidence pack's, a batch summary's, a sweep's CSV).
  'files.completeUploadExternal',
]);
const SERVERS_STEP = `ibm-cloud.${ACME_PRODUCTION}.vpc-authorized-keys`;
const ESCAPED_BROADCAST = 'ci &lt;!channel&gt; &lt;https://evil.example|Re-approve here&gt;';

/** Everything the bot said in Slack: Web API calls and answers to response URLs. */
function everythingSaid(stack: LocalStack): [string, unknown][] {
  return [
    ...stack.slack.calls.filter((c) => SAYS.has(c.method)).map((c, i): [string, unknown] => [`${c.method} #${i}`, c.args]),
    ...stack.slack.responses.map((r, i): [string, unknown] => [`response_url #${i}`, r]),
  ];
}

/**
 * Acme's IBM Cloud with VPC servers, where an attacker named what Jane created (service IDs and
 * their keys) and the servers her SSH keys sit on; Jane and her successor Taylor with names to match.
 */
function hostileWorld() {
  const seed = withVpc();
  for (const s of seed.serviceIds) s.name = `${s.name} ${HOSTILE.broadcast}`;
  for (const k of seed.apiKeys.filter((k) => k.created_by === SIM_IAM_IDS.jane && k.iam_id !== SIM_IAM_IDS.jane)) k.name = `${k.name} ${MIXED}`;
  for (const server of seed.vpcInstances ?? []) server.name = `${server.name} ${HOSTILE.broadcast}`;
  const people = WORKSPACE_USERS.filter((u) => u.id === PEOPLE.jane || u.id === PEOPLE.taylor).map((u) => ({
    ...u,
    realName: `${u.realName} ${MIXED} ${HOSTILE.long}`,
  }));
  return { seed, people };
}

describe('the messages added since the first hostile corpus, with outside text at its worst', () => {
  it('VPC server tasks and their reminders, the review call, the hand-over DM, rotation tasks and their reminders show every name escaped, well-formed and within limits', async () => {
    const { seed, people } = hostileWorld();
    const { stack, player } = await start({
      ibm: { seed },
      extraSlackUsers: people,
      env: {
        IBMCLOUD_VPC_REGIONS: 'us-south,eu-de',
        OFFBOARD_TASK_REMIND_AFTER: '1s',
        OFFBOARD_ROTATION_REMIND_AFTER: '1s',
        OFFBOARD_ROTATION_TELL_REQUESTER_AFTER: '2s',
      },
    });
    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'resignation',
      disposition: 'disable_then_delete',
      graceDays: '30',
      successor: PEOPLE.taylor,
      ticket: 'HR-HOSTILE',
      created: 'hand_over',
      notes: MIXED,
    });
    await player.click(PEOPLE.alex, 'approve', id);

    // The servers holding her keys open as tasks, and the approvers are reminded of them.
    const servers = await eventually(
      async () => {
        const view = runView(await readTrail(stack, id));
        const step = view.steps.find((s) => s.id === SERVERS_STEP && s.phase === view.current.phase);
        return step?.state === 'open' && step.items?.length ? step.items : undefined;
      },
      20_000,
      'the servers to open as tasks',
    );
    expect(servers.every((s) => s.label.includes(HOSTILE.broadcast))).toBe(true);
    await eventually(
      async () => eventsOf(await readTrail(stack, id), 'task.reminded').some((e) => e.stepId === SERVERS_STEP),
      15_000,
      'a server task reminder',
    );
    for (const server of servers) await player.task(PEOPLE.alex, 'taskDone', id, SERVERS_STEP, itemTaskCode(SERVERS_STEP, server.id));
    await finishedTrail(stack, id);

    // The successor hears what was handed over, then is reminded to rotate; the requester is told too.
    const dms = await stack.slack.waitFor(
      () => {
        const toTaylor = stack.slack.messages(PEOPLE.taylor);
        const handover = toTaylor.find((m) => m.text.includes('was handed over to you'));
        const reminder = toTaylor.find((m) => m.text.includes('still need'));
        const requester = stack.slack.messages(PEOPLE.morgan).find((m) => m.text.includes('still not rotated'));
        return handover && reminder && requester ? { handover, reminder, requester } : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(JSON.stringify(dms.handover.blocks)).toContain(ESCAPED_BROADCAST);
    expect(dms.reminder.text).toContain(ESCAPED_BROADCAST);
    // The round's end calls on the approvers for the SSH keys' review, in the request's thread.
    const thread = () => stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts);
    await stack.slack.waitFor(() => thread().find((m) => m.text.includes("needs an approver's review first")), { timeoutMs: 15_000 });
    const serverReminder = thread().find((m) => m.text.includes('are still open in the checklist'));
    expect(serverReminder?.text).toContain(ESCAPED_BROADCAST);
    // The checklist lists the rotation tasks and the attested servers, names escaped.
    const checklist = JSON.stringify(player.checklist(id)?.blocks);
    expect(checklist).toContain('Rotation tasks');
    expect(checklist).toContain(ESCAPED_BROADCAST);

    const said = everythingSaid(stack);
    expect(said.length).toBeGreaterThan(15);
    for (const [where, message] of said) expectSlackSafe(where, message);
  });

  it("a bulk request's combined checklist and its summary sent to compliance show every name escaped, well-formed and within limits", async () => {
    const people = WORKSPACE_USERS.filter((u) => u.id === PEOPLE.jane || u.id === PEOPLE.chris).map((u) => ({
      ...u,
      realName: `${u.realName} ${MIXED} ${HOSTILE.long}`,
    }));
    const { stack, player } = await start({ extraSlackUsers: people, env: { OFFBOARD_COMPLIANCE: PEOPLE.taylor, OFFBOARD_EVIDENCE_IN_THREAD: 'false' } });
    await player.submitForm(PEOPLE.morgan, {
      person: PEOPLE.jane,
      others: [PEOPLE.chris],
      reason: 'resignation',
      successor: PEOPLE.taylor,
      ticket: 'RIF-<!channel>&',
    });
    const requests = await eventually(
      async () => {
        const stored = await withStore(stack, async (store) => (await store.recentReadable(10)).requests);
        if (stored.length !== 2 || !stored.every((r) => r.approvalMessage)) return undefined;
        const trails = await Promise.all(stored.map((r) => readTrail(stack, r.id)));
        return trails.every((t) => eventsOf(t, 'request.previewed').length > 0) ? stored : undefined;
      },
      30_000,
      'two requests announced',
    );
    const batchId = requests[0]!.batch!.id;
    await player.click(PEOPLE.alex, 'approve', requests[0]!.id);
    for (const r of requests) await finishedTrail(stack, r.id);
    // The summary reaches compliance once the last run has finished.
    await stack.slack.waitFor(() => stack.slack.files.some((f) => f.filename.startsWith(`offboarding-batch-summary-${batchId}`)) || undefined, {
      timeoutMs: 30_000,
    });
    // The combined checklist (posted and refreshed through the outbox, so it may come after the summary).
    const combined = await stack.slack.waitFor(
      () =>
        stack.slack.calls
          .filter((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && String(c.args.text).startsWith(`Bulk request ${batchId}`))
          .at(-1),
      { timeoutMs: 20_000 },
    );
    expect(JSON.stringify(combined.args.blocks)).toContain('Jane Doe ci &lt;!channel&gt;');

    const said = everythingSaid(stack);
    for (const [where, message] of said) expectSlackSafe(where, message);
  });

  it('the sweep digest, its thread and a Disable outcome show IBM Cloud names escaped, well-formed and within limits', async () => {
    const seed = defaultIbmSeed();
    for (const k of seed.apiKeys) k.name = `${k.name} ${MIXED}`;
    for (const s of seed.serviceIds) s.name = `${s.name} ${HOSTILE.broadcast}`;
    const { stack, player } = await start({ ibm: { seed }, env: { OFFBOARD_SWEEP_POLL_MS: '100' } });

    const res = await stack.events.slashCommand({ command: COMMAND, text: 'sweep', userId: PEOPLE.alex, channelId: GENERAL_CHANNEL });
    expect(res.status).toBe(200);
    await player.settled();
    const digest = await stack.slack.waitFor(
      () =>
        stack.slack.messages(APPROVAL_CHANNEL).find((m) => !m.thread_ts && m.text.startsWith(`Inactive identities in IBM Cloud account ${ACME_PRODUCTION}`)),
      { timeoutMs: 20_000 },
    );
    expect(JSON.stringify(digest.blocks)).toContain(ESCAPED_BROADCAST);
    // An approver disables a service ID from it: the outcome, in the digest's thread, names it escaped.
    type Row = { block_id?: string; accessory?: { action_id: string; value: string } };
    const row = (digest.blocks as Row[]).find((b) => b.accessory?.action_id.endsWith('disable') && JSON.stringify(b).includes('Re-approve'))!;
    await stack.events.blockAction({
      userId: PEOPLE.alex,
      actionId: row.accessory!.action_id,
      blockId: row.block_id,
      value: row.accessory!.value,
      channel: APPROVAL_CHANNEL,
      messageTs: digest.ts,
    });
    await player.settled();
    const outcome = await stack.slack.waitFor(() => stack.slack.thread(APPROVAL_CHANNEL, digest.ts).find((m) => m.text.includes('disabled by')), {
      timeoutMs: 20_000,
    });
    expect(JSON.stringify(outcome.blocks)).toContain('&lt;');

    const said = everythingSaid(stack);
    for (const [where, message] of said) expectSlackSafe(where, message);
  });
});
