import { describe, expect, it } from 'vitest';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, SIM_IAM_IDS, SIM_NHI_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { finishedTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const janeLeaves = (created: FormAnswers['created']): FormAnswers => ({
  person: PEOPLE.jane,
  reason: 'resignation',
  disposition: 'disable_then_delete',
  graceDays: '30',
  successor: PEOPLE.taylor,
  ticket: 'HR-HANDOVER',
  created,
});

/** The bot's hand-over messages about the request in someone's direct messages. */
const handovers = (stack: LocalStack, userId: string, requestId: string) =>
  stack.slack.messages(userId).filter((m) => m.metadata?.event_type === 'offboard_handover' && m.metadata.event_payload.request_id === requestId);

describe("the successor's direct message", () => {
  it('lists every handed-over item with its account, last use and console link, once, and never a secret', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves('hand_over'));
    await player.click(PEOPLE.alex, 'approve', id);
    await finishedTrail(stack, id);
    await stack.slack.waitFor(() => handovers(stack, PEOPLE.taylor, id).length > 0);

    const [message] = handovers(stack, PEOPLE.taylor, id);
    const shown = JSON.stringify(message!.blocks);
    expect(message!.text).toContain('Jane');
    // The key of her service ID, with its use; the key she made on Alex's service ID; her credential and instance.
    for (const item of [SIM_NHI_IDS.ciPipelineKey, SIM_NHI_IDS.logShipperJaneKey, SIM_NHI_IDS.janeResourceKey, SIM_NHI_IDS.janeInstance]) {
      expect(shown).toContain(item);
    }
    expect(shown).toContain('used 30211 times');
    expect(shown).toContain(`account ${ACME_PRODUCTION}`);
    expect(shown).toContain(`https://cloud.ibm.com/iam/serviceids/${SIM_NHI_IDS.ciPipeline}?bss_account=${ACME_PRODUCTION}`);
    const instancePath = SIM_NHI_IDS.janeInstance.replace('/', '%2f');
    expect(shown).toContain(`https://cloud.ibm.com/services/cloud-object-storage/${instancePath}?bss_account=${ACME_PRODUCTION}`);
    expect(shown).not.toContain('[redacted]');
    expect(shown).not.toContain(SIM_NHI_IDS.janeResourceKeySecret);
    // Not to anyone else.
    expect(handovers(stack, PEOPLE.morgan, id)).toEqual([]);

    // The deletion keeps them handed over too: the successor is not told again.
    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    await finishedTrail(stack, id, { rounds: 2 });
    // The requester hears the deletion is done after the successor's message was asked for again.
    await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.morgan).some((m) => m.text.includes(id) && m.text.includes('is done')), { timeoutMs: 20_000 });
    expect(handovers(stack, PEOPLE.taylor, id)).toHaveLength(1);
  });

  it('lists a service ID she created that has no API key, with its account, last use and console link, though only the delete phase keeps it again', async () => {
    const { stack, player } = await start();
    const empty = stack.ibm.createServiceId({ accountId: ACME_PRODUCTION, name: 'empty-deployer', createdBy: SIM_IAM_IDS.jane });
    const id = await player.request(PEOPLE.morgan, janeLeaves('hand_over'));
    await player.click(PEOPLE.alex, 'approve', id);
    await finishedTrail(stack, id);
    await stack.slack.waitFor(() => handovers(stack, PEOPLE.taylor, id).length > 0);

    const shown = JSON.stringify(handovers(stack, PEOPLE.taylor, id)[0]!.blocks);
    expect(shown).toContain(`*service ID empty-deployer (no API key)* (\`${empty.id}\`), IBM Cloud account ${ACME_PRODUCTION}: used 0 times, never`);
    expect(shown).toContain(`https://cloud.ibm.com/iam/serviceids/${empty.id}?bss_account=${ACME_PRODUCTION}`);
    // Still there and working: handed over, not deleted.
    expect(stack.ibm.serviceId(empty.id)).toBeDefined();
  });

  it('is found by its metadata when Slack posted it but the answer was lost: the successor gets it once', async () => {
    const { stack, player } = await start();
    stack.slack.loseResponse('chat.postMessage', 1, (args) => String(args.text).includes('handed over to you'));
    const id = await player.request(PEOPLE.morgan, janeLeaves('hand_over'));
    await player.click(PEOPLE.alex, 'approve', id);
    await finishedTrail(stack, id);
    // The retry read the direct message back (the first try did not) and adopted what it found.
    await stack.slack.waitFor(() => stack.slack.callsTo('conversations.history').some((c) => String(c.args.channel).startsWith('D')), { timeoutMs: 15_000 });
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).includes('handed over to you'))).toHaveLength(1);
    expect(handovers(stack, PEOPLE.taylor, id)).toHaveLength(1);
  });

  it('is not sent when what they created is disabled: nothing was handed over', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, janeLeaves('disable'));
    await player.click(PEOPLE.alex, 'approve', id);
    await finishedTrail(stack, id);
    await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes(ACTIONS.reinstate), { timeoutMs: 20_000 });
    await player.settled();
    expect(handovers(stack, PEOPLE.taylor, id)).toEqual([]);
    expect(stack.slack.messages(PEOPLE.taylor).filter((m) => m.text.includes('handed over to you'))).toEqual([]);
  });
});
