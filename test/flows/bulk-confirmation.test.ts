import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { Keys } from '../../src/redis.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { FIELDS, inputAction, VIEWS } from '../../src/slack/blocks/ids.js';
import { eventsOf, eventually, queueSnapshot, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const dir = mkdtempSync(join(tmpdir(), 'offboard-bulk-confirm-'));
const rules = join(dir, 'rules.yaml');
writeFileSync(
  rules,
  `rules:
  - name: Contractors
    when: { subjectGroups: [S0CONTRACT] }
    approvals: 1
    typedConfirmation: true
  - name: Everyone else
    approvals: 1
`,
);

async function stored(stack: LocalStack): Promise<OffboardRequest[]> {
  const redis = new Redis(stack.config.redisUrl);
  try {
    return (await new RequestStore(redis, new Keys(stack.config.redisPrefix)).recentReadable(500)).requests.sort((a, b) => a.id.localeCompare(b.id));
  } finally {
    redis.disconnect();
  }
}

function submitConfirmation(stack: LocalStack, userId: string, view: { id: string; view: Record<string, unknown> }, typed: string) {
  return stack.events.viewSubmission({
    userId,
    view: { id: view.id, callback_id: VIEWS.confirmApproval, private_metadata: view.view.private_metadata as string },
    values: { [FIELDS.confirmation]: { [inputAction(FIELDS.confirmation)]: { type: 'plain_text_input', value: typed } } },
  });
}

describe('a bulk request under a rule that asks for a typed confirmation', () => {
  it('asks for the number of people the approval decides; a name or a wrong number is refused in the modal and nothing is approved', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_POLICY_FILE: rules }, extraUsergroups: { S0CONTRACT: [PEOPLE.chris] } });
    // Chris is a contractor (typed confirmation); Jane is not: the strictest rule decides them both.
    await player.submitForm(PEOPLE.morgan, { person: PEOPLE.jane, others: [PEOPLE.chris], reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-7' });
    const requests = await eventually(async () => {
      const rs = await stored(stack);
      return rs.length === 2 && rs.every((r) => r.approvalMessage) ? rs : undefined;
    });
    const jane = requests.find((r) => r.subject.slackUserId === PEOPLE.jane)!;
    const chris = requests.find((r) => r.subject.slackUserId === PEOPLE.chris)!;
    const batch = jane.batch!.id;
    // The message of the person whose rule asks for it says so.
    await stack.slack.waitFor(() =>
      JSON.stringify(player.approvalMessage(chris.id)?.blocks ?? []).includes('Approving asks for the number of people it decides to be typed.'),
    );

    await player.click(PEOPLE.alex, 'approve', jane.id);
    const opened = stack.slack.views.filter((v) => v.kind === 'open' && v.userId === PEOPLE.alex && v.view.callback_id === VIEWS.confirmApproval);
    expect(opened).toHaveLength(1);
    expect(JSON.stringify(opened[0]!.view)).toContain(`decides bulk request *${batch}*: it ends the access of 2 people`);
    expect(JSON.stringify(opened[0]!.view)).toContain('Type the number of people, 2, to confirm.');

    // The clicked person's name confirms one of them, not the approval of both; nor does a wrong number.
    for (const typed of ['Jane Doe', 'chris.contractor@acme.example', '3']) {
      await submitConfirmation(stack, PEOPLE.alex, opened[0]!, typed);
      await stack.bot.settled();
      const shown = stack.slack.views.filter((v) => v.kind === 'update' && v.id === opened[0]!.id).at(-1)!;
      expect(JSON.stringify(shown.view)).toContain('What you typed is not 2, the number of people this approval decides; nothing was approved.');
      expect(shown.view.callback_id).toBe(VIEWS.confirmApproval);
    }
    expect((await stored(stack)).map((r) => r.status)).toEqual(['pending', 'pending']);
    for (const r of requests) {
      const trail = await readTrail(stack, r.id);
      expect(eventsOf(trail, 'request.approved')).toEqual([]);
      expect(eventsOf(trail, 'run.planned')).toEqual([]);
    }
    expect((await queueSnapshot(stack)).total).toBe(0);

    await submitConfirmation(stack, PEOPLE.alex, opened[0]!, ' 2 ');
    await stack.bot.settled();
    await eventually(async () => (await stored(stack)).every((r) => r.status !== 'pending'), 15_000, 'both approved');
    for (const r of requests) expect(eventsOf(await readTrail(stack, r.id), 'request.approved')).toEqual([expect.objectContaining({ actor: PEOPLE.alex })]);
  });
});
