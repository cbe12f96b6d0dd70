import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { APPROVAL_CHANNEL, PEOPLE, WORKSPACE_USERS } from '../../app/demo/workspace.js';
import { itemTaskCode } from '../../src/runs/item-tasks.js';
import { runView } from '../../src/runs/run-view.js';
import { ACME_PRODUCTION, SIM_IAM_IDS, withVpc } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, eventually, finishedTrail, readTrail } from '../support/approval-helpers.js';
import { expectSlackSafe, HOSTILE, MIXED } from '../support/hostile-text.js';
import { useStack } from '../support/stack.js';

const start = useStack();

/** Every Web API method by which the bot puts text in front of people. */
const SAYS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.open', 'views.update', 'views.push', 'views.publish']);
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
});
