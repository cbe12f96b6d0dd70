import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { VPC_REVIEW_ID } from '../../src/connectors/ibm-cloud/vpc/vpc-review-modal.js';
import { runView } from '../../src/runs/run-view.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_VPC, withVpc } from '../../src/simulators/ibm-cloud/index.js';
import { stepButtonValue } from '../../src/slack/payloads.js';
import { eventually, finishedTrail, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const KEYS_STEP = `ibm-cloud.${ACME_PRODUCTION}.vpc-ssh-keys`;
const SERVERS_STEP = `ibm-cloud.${ACME_PRODUCTION}.vpc-authorized-keys`;
const STAGING_KEYS_STEP = `ibm-cloud.${ACME_STAGING}.vpc-ssh-keys`;
const REVIEW_ACTION = 'ibm-cloud.vpc.review';

type Option = { value: string; text: { text: string } };
type InputBlock = { type: string; block_id?: string; element?: { options: Option[]; initial_options?: Option[] } };

async function janeLeaves(disposition: 'delete_now' | 'disable_then_delete', requester: string = PEOPLE.morgan) {
  const { stack, player } = await start({ ibm: { seed: withVpc() }, env: { IBMCLOUD_VPC_REGIONS: 'us-south,eu-de' } });
  const id = await player.request(requester, {
    person: PEOPLE.jane,
    reason: 'resignation',
    disposition,
    ...(disposition === 'disable_then_delete' ? { graceDays: '30' } : {}),
    successor: PEOPLE.taylor,
    ticket: 'HR-VPC',
  });
  await player.click(PEOPLE.alex, 'approve', id);
  return { stack, player, id };
}

/** Clicks *Review SSH keys…* on the checklist, as `userId`. */
async function clickReview(stack: LocalStack, player: SlackPlayer, userId: string, id: string) {
  const checklist = player.checklist(id)!;
  await stack.events.blockAction({
    userId,
    actionId: REVIEW_ACTION,
    blockId: `reviews.${id}`,
    value: stepButtonValue(id, KEYS_STEP),
    channel: APPROVAL_CHANNEL,
    messageTs: checklist.ts,
  });
  await player.settled();
}

/** The review modal as the job last filled it in for `userId`. */
const reviewModal = (stack: LocalStack, userId: string) => stack.slack.views.filter((v) => v.userId === userId && v.view.callback_id === VPC_REVIEW_ID).at(-1);

const stateOf = async (stack: LocalStack, id: string, step: string) =>
  runView(await readTrail(stack, id))
    .steps.filter((s) => s.id === step)
    .at(-1);

describe('VPC SSH keys (IBM records no creator)', () => {
  it('are not deleted by the disable phase: the keys step runs in the deletion only', async () => {
    const { stack, id } = await janeLeaves('disable_then_delete');
    const trail = await finishedTrail(stack, id);
    expect(runView(trail).steps.filter((s) => s.id === KEYS_STEP)).toEqual([]);
    expect(stack.ibm.vpcKey(SIM_VPC.janeLaptop)?.name).toBe('laptop-2024');
    expect(stack.ibm.requests.filter((r) => r.path.startsWith('/vpc/') && r.method === 'DELETE')).toEqual([]);
  });

  it('wait for an approver to review them in a modal, Jane-named keys pre-selected; the chosen ones are deleted on retry and read back, each server they were installed on left as residual', async () => {
    const { stack, player, id } = await janeLeaves('delete_now');
    await finishedTrail(stack, id);
    // The round is over once its evidence is out: then it can be retried.
    await player.evidence(id);
    // Unreviewed, the deletion of keys fails, saying why, and deletes nothing.
    const failed = await stateOf(stack, id, KEYS_STEP);
    expect(failed?.state).toBe('failed');
    expect(failed?.error).toMatch(/were not reviewed: IBM records no creator/);
    expect(stack.ibm.requests.filter((r) => r.path.startsWith('/vpc/') && r.method === 'DELETE')).toEqual([]);
    const checklist = JSON.stringify(player.checklist(id)?.blocks ?? []);
    expect(checklist).toContain(REVIEW_ACTION);
    expect(checklist).toContain('Review SSH keys…');
    // In staging VPC cannot answer: both VPC steps are not checked, with why, and offer no review.
    const why = `VPC answers only for account ${ACME_PRODUCTION}, the one IBMCLOUD_API_KEY belongs to`;
    for (const step of [STAGING_KEYS_STEP, `ibm-cloud.${ACME_STAGING}.vpc-authorized-keys`])
      expect(await stateOf(stack, id, step)).toMatchObject({ state: 'unchecked', unchecked: why });
    const final = await stack.slack.waitFor(() => {
      const text = JSON.stringify(player.checklist(id)?.blocks ?? []);
      return text.includes('Finished') ? text : undefined;
    });
    expect(final).toContain(`:grey_question: VPC SSH keys: *not checked here*: ${why}`);
    expect(final).not.toContain(stepButtonValue(id, STAGING_KEYS_STEP));

    // Taylor is no approver, Jane is the one leaving: refused in the modal, nothing recorded.
    for (const who of [PEOPLE.taylor, PEOPLE.jane]) {
      await clickReview(stack, player, who, id);
      const refused = stack.slack.views.filter((v) => v.userId === who).at(-1);
      expect(JSON.stringify(refused?.view)).toMatch(/cannot|Only approvers/);
      expect(reviewModal(stack, who)).toBeUndefined();
    }

    await clickReview(stack, player, PEOPLE.alex, id);
    const modal = await eventually(async () => reviewModal(stack, PEOPLE.alex), 10_000, 'the keys listed in the modal');
    const blocks = (modal.view.blocks as InputBlock[]).filter((b) => b.type === 'input');
    const options = blocks.flatMap((b) => b.element!.options.map((o) => o.text.text));
    expect(options.sort()).toEqual(['ci-deploy (us-south)', 'jane-doe-ci (eu-de)', 'laptop-2024 (us-south)', 'mary-jane-laptop (us-south)']);
    const preselected = blocks.flatMap((b) => b.element!.initial_options ?? []);
    expect(preselected.map((o) => o.text.text).sort()).toEqual(['jane-doe-ci (eu-de)', 'laptop-2024 (us-south)']);

    // A form under IBM Cloud's id that no feature offers records nothing, and says so in the modal.
    const values = Object.fromEntries(blocks.map((b) => [b.block_id!, { chosen: { type: 'checkboxes', selected_options: b.element!.initial_options ?? [] } }]));
    await stack.events.viewSubmission({
      userId: PEOPLE.alex,
      view: { id: modal.id, callback_id: 'ibm-cloud.vpc.erase-everything', private_metadata: modal.view.private_metadata as string },
      values,
    });
    await player.settled();
    expect(JSON.stringify(stack.slack.views.filter((v) => v.id === modal.id).at(-1)?.view)).toContain('not one I offer');
    expect(stack.slack.messages(APPROVAL_CHANNEL).filter((m) => m.text.includes('reviewed the SSH keys'))).toEqual([]);

    // Alex keeps the suggestion as it is.
    await stack.events.viewSubmission({
      userId: PEOPLE.alex,
      view: { id: modal.id, callback_id: VPC_REVIEW_ID, private_metadata: modal.view.private_metadata as string },
      values,
    });
    await player.settled();
    expect(JSON.stringify(stack.slack.views.filter((v) => v.id === modal.id).at(-1)?.view)).toContain('2 SSH key(s) of account');
    const thread = stack.slack.thread(APPROVAL_CHANNEL, player.approvalMessage(id)!.ts);
    expect(thread.some((m) => m.text.startsWith(`<@${PEOPLE.alex}> reviewed the SSH keys. 2 SSH key(s)`))).toBe(true);
    // Reviewing deletes nothing yet: the deletion does, when it runs.
    expect(stack.ibm.vpcKey(SIM_VPC.janeLaptop)).toBeDefined();

    await player.retry(PEOPLE.alex, id);
    await finishedTrail(stack, id, { rounds: 2 });
    expect((await stateOf(stack, id, KEYS_STEP))?.state).toBe('verified');
    expect([SIM_VPC.janeLaptop, SIM_VPC.janeDoeCi].map((k) => stack.ibm.vpcKey(k))).toEqual([undefined, undefined]);
    expect(stack.ibm.vpcKey(SIM_VPC.deploy)).toBeDefined();
    expect(stack.ibm.vpcKey(SIM_VPC.mary)).toBeDefined();
    const servers = await stateOf(stack, id, SERVERS_STEP);
    expect(servers?.state).toBe('residual');
    expect(servers?.residual?.map((f) => f.label)).toEqual(['authorized_keys on server web-1 (us-south)', 'authorized_keys on server db-1 (eu-de)']);
  });

  it('are never reviewed by the approver who made the request: refused in the modal, nothing recorded', async () => {
    const { stack, player, id } = await janeLeaves('delete_now', PEOPLE.riley);
    await finishedTrail(stack, id);
    await clickReview(stack, player, PEOPLE.riley, id);
    const refused = stack.slack.views.filter((v) => v.userId === PEOPLE.riley).at(-1);
    expect(JSON.stringify(refused?.view)).toContain('You made this request');
    expect(reviewModal(stack, PEOPLE.riley)).toBeUndefined();
  });
});
