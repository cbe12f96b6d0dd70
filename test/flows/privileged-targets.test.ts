import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { ephemeralsFor, eventsOf, finishedTrail, queueSnapshot, readTrail, storedStatus } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const leaves = (person: string): FormAnswers => ({ person, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-7' });

function approvalBlocks(player: SlackPlayer, id: string): string {
  return JSON.stringify(player.approvalMessage(id)?.blocks ?? []);
}

/** The approval message's own sections (not the Approve button's confirmation dialog). */
function approvalSections(player: SlackPlayer, id: string): string[] {
  const blocks = (player.approvalMessage(id)?.blocks ?? []) as { type: string; text?: { text?: string } }[];
  return blocks.filter((b) => b.type === 'section').map((b) => b.text?.text ?? '');
}

function approveButton(player: SlackPlayer, id: string): Record<string, unknown> | undefined {
  const blocks = (player.approvalMessage(id)?.blocks ?? []) as { block_id?: string; elements?: { action_id?: string }[] }[];
  return blocks.find((b) => b.block_id === `decide.${id}`)?.elements?.find((e) => e.action_id === ACTIONS.approve);
}

/** Nothing was decided, planned or queued, and IBM Cloud was only read. */
async function expectNothingHappened(stack: LocalStack, id: string) {
  const trail = await readTrail(stack, id);
  expect(eventsOf(trail, 'request.approved')).toEqual([]);
  expect(eventsOf(trail, 'run.planned')).toEqual([]);
  expect((await queueSnapshot(stack)).total).toBe(0);
  expect(stack.ibm.requests.filter((r) => r.method !== 'GET' && !r.path.startsWith('/identity/token'))).toEqual([]);
}

describe("the owner of one of the bot's own credentials", () => {
  it('is flagged by the preview, offered no Approve button, and an approval is refused with what to do first; nothing is removed', async () => {
    const { stack, player } = await start();
    // The bot's IBMCLOUD_API_KEY belongs to Alex (IAM says so for the key), who is also an approver.
    const id = await player.request(PEOPLE.morgan, leaves(PEOPLE.alex));

    const previewed = eventsOf(await readTrail(stack, id), 'request.previewed')[0]!;
    expect(previewed.privileges).toContainEqual({ kind: 'credential_owner', system: 'ibm-cloud', title: 'IBM Cloud', credential: 'IBMCLOUD_API_KEY' });
    expect(stack.ibm.requests.some((r) => r.method === 'GET' && r.path === '/v1/apikeys/details')).toBe(true);
    expect(approvalBlocks(player, id)).toContain('Cannot be approved.');
    expect(approvalBlocks(player, id)).toContain('Move the credential to another owner first');
    expect(approveButton(player, id)).toBeUndefined();

    // The button is gone, but a click is only a payload: the server refuses it all the same.
    expect((await player.click(PEOPLE.riley, 'approve', id)).status).toBe(200);

    const told = ephemeralsFor(stack, PEOPLE.riley);
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain("owns the bot's IBM Cloud credential (`IBMCLOUD_API_KEY`)");
    expect(told[0]!.text).toContain('Move the credential to another owner first');
    const refusals = eventsOf(await readTrail(stack, id), 'approval.refused');
    expect(refusals).toEqual([expect.objectContaining({ actor: PEOPLE.riley, action: 'approve' })]);
    expect(refusals[0]!.reason).toContain('Move the credential to another owner first');

    expect(await storedStatus(stack, id)).toBe('pending');
    await expectNothingHappened(stack, id);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) expect(stack.ibm.userInAccount(account, 'alex.admin@acme.example')).toBeDefined();
  });
});

describe("the owner of the bot's Slack admin token", () => {
  it('is found by asking Slack whose token it is (auth.test), and approving is refused; their Slack account stays active', async () => {
    const { stack, player } = await start({ slackScim: true, ibmCloud: false });
    const id = await player.request(PEOPLE.morgan, leaves(PEOPLE.alex));

    const previewed = eventsOf(await readTrail(stack, id), 'request.previewed')[0]!;
    expect(previewed.privileges).toContainEqual({ kind: 'credential_owner', system: 'slack', title: 'Slack', credential: 'SLACK_ADMIN_TOKEN' });
    expect(previewed.privileges).toContainEqual({ kind: 'workspace_admin' });
    expect(approveButton(player, id)).toBeUndefined();

    await player.click(PEOPLE.riley, 'approve', id);
    expect(ephemeralsFor(stack, PEOPLE.riley).map((e) => e.text)).toEqual([expect.stringContaining("owns the bot's Slack credential (`SLACK_ADMIN_TOKEN`)")]);
    expect(eventsOf(await readTrail(stack, id), 'run.planned')).toEqual([]);
    expect((await queueSnapshot(stack)).total).toBe(0);
    expect(stack.slack.scim!.user(PEOPLE.alex)?.active).toBe(true);
    expect(stack.slack.scim!.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });
});

describe("the owner of one of the bot's own credentials, approved before the preview could flag them", () => {
  it('is still never touched: the run refuses every step where they own the key, and nothing is changed in IBM Cloud', async () => {
    const { stack, player } = await start();
    // A slow IAM keeps the preview from finishing before two approvers (Alex is an approver, so two are needed) click.
    stack.ibm.setLatency(1_500);
    const id = await player.request(PEOPLE.chris, leaves(PEOPLE.alex), { awaitPreview: false });
    await player.click(PEOPLE.riley, 'approve', id);
    await player.click(PEOPLE.morgan, 'approve', id);
    expect(eventsOf(await readTrail(stack, id), 'request.previewed')).toEqual([]);
    expect(eventsOf(await readTrail(stack, id), 'request.approved')).toHaveLength(1);
    stack.ibm.setLatency(0);

    const trail = await finishedTrail(stack, id);
    const found = eventsOf(trail, 'identities.found').find((e) => e.system === 'ibm-cloud')!;
    expect(found.identities.length).toBeGreaterThan(0);
    for (const identity of found.identities)
      expect(identity.refusal).toContain("owns the bot's IBM Cloud credential (`IBMCLOUD_API_KEY`): move it to another owner first");
    const failed = eventsOf(trail, 'step.failed').filter((e) => e.stepId.startsWith('ibm-cloud.'));
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(f.error).toContain('move it to another owner first');
    expect(eventsOf(trail, 'step.acting')).toEqual([]);
    expect(stack.ibm.requests.filter((r) => r.method !== 'GET' && !r.path.startsWith('/identity/token'))).toEqual([]);
    for (const account of [ACME_PRODUCTION, ACME_STAGING]) expect(stack.ibm.userInAccount(account, 'alex.admin@acme.example')).toBeDefined();
  });
});

describe('a privileged person', () => {
  it('a workspace admin is not approved by one click: the first approval is recorded and changes nothing, the same approver again does not count, a second approver approves', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, leaves(PEOPLE.dana));

    const previewed = eventsOf(await readTrail(stack, id), 'request.previewed')[0]!;
    expect(previewed.privileges).toEqual([{ kind: 'workspace_admin' }]);
    expect(approvalSections(player, id)).toContain(
      ':rotating_light: *Privileged:* Dana Admin is a Slack workspace admin. Approving removes that access too, so two approvers must approve.',
    );
    // Slack asks whoever clicks Approve to confirm, naming the risk.
    expect(approveButton(player, id)).toMatchObject({ confirm: { text: { text: expect.stringContaining('is a Slack workspace admin') } } });

    await player.click(PEOPLE.alex, 'approve', id);
    expect(ephemeralsFor(stack, PEOPLE.alex).map((e) => e.text)).toEqual([expect.stringContaining(`Your approval of ${id} is recorded.`)]);
    expect(eventsOf(await readTrail(stack, id), 'approval.recorded')).toEqual([expect.objectContaining({ actor: PEOPLE.alex, needed: 2 })]);
    expect(await storedStatus(stack, id)).toBe('pending');
    await expectNothingHappened(stack, id);
    await stack.slack.waitFor(() => approvalBlocks(player, id).includes('1 of 2 approvals'));

    await player.click(PEOPLE.alex, 'approve', id);
    expect(ephemeralsFor(stack, PEOPLE.alex)[1]!.text).toContain('a second click does not count twice');
    expect(eventsOf(await readTrail(stack, id), 'approval.recorded')).toHaveLength(1);
    expect(await storedStatus(stack, id)).toBe('pending');
    await expectNothingHappened(stack, id);

    await player.click(PEOPLE.riley, 'approve', id);
    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'request.approved')).toEqual([expect.objectContaining({ actor: PEOPLE.riley, approvedBy: [PEOPLE.alex, PEOPLE.riley].sort() })]);
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
  });

  it('an approver needs two distinct approvers; of many clicks at the same moment, one approves and one run starts', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.chris, leaves(PEOPLE.riley));
    expect(eventsOf(await readTrail(stack, id), 'request.previewed')[0]!.privileges).toEqual([{ kind: 'approver' }]);

    const clickers = [PEOPLE.alex, PEOPLE.morgan, PEOPLE.alex, PEOPLE.morgan, PEOPLE.alex];
    await Promise.all(clickers.map((u) => player.click(u, 'approve', id)));

    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'request.approved')).toHaveLength(1);
    expect(eventsOf(trail, 'request.approved')[0]!.approvedBy).toEqual([PEOPLE.alex, PEOPLE.morgan].sort());
    expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
  });

  const OWNER = { id: 'U0OLIVIA1', name: 'olivia', realName: 'Olivia Owner', email: 'olivia.owner@acme.example', isAdmin: true, isOwner: true };
  it.each([
    {
      who: 'a compliance member',
      person: PEOPLE.taylor,
      env: { OFFBOARD_COMPLIANCE: PEOPLE.taylor } as Record<string, string>,
      privilege: 'compliance',
      said: "is in the bot's compliance group",
    },
    { who: 'a Slack workspace owner', person: OWNER.id, env: {} as Record<string, string>, privilege: 'workspace_owner', said: 'is a Slack workspace owner' },
  ])(
    '$who is flagged by the preview and in the approval message, Approve names the risk, and one approval changes nothing until a second approver approves',
    async ({ person, env, privilege, said }) => {
      const { stack, player } = await start({ env, extraSlackUsers: [OWNER] });
      const id = await player.request(PEOPLE.morgan, leaves(person));

      expect(eventsOf(await readTrail(stack, id), 'request.previewed')[0]!.privileges).toEqual([{ kind: privilege }]);
      const shown = approvalSections(player, id).find((t) => t.startsWith(':rotating_light: *Privileged:*'));
      expect(shown).toContain(`${said}. Approving removes that access too, so two approvers must approve.`);
      expect(approveButton(player, id)).toMatchObject({ confirm: { text: { text: expect.stringContaining(said) } } });

      await player.click(PEOPLE.alex, 'approve', id);
      expect(eventsOf(await readTrail(stack, id), 'approval.recorded')).toEqual([expect.objectContaining({ actor: PEOPLE.alex, needed: 2 })]);
      expect(await storedStatus(stack, id)).toBe('pending');
      await expectNothingHappened(stack, id);

      await player.click(PEOPLE.riley, 'approve', id);
      const trail = await finishedTrail(stack, id);
      expect(eventsOf(trail, 'request.approved')).toEqual([expect.objectContaining({ actor: PEOPLE.riley, approvedBy: [PEOPLE.alex, PEOPLE.riley].sort() })]);
    },
  );
});
