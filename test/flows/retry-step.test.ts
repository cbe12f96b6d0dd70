import { describe, expect, it } from 'vitest';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { clickStepRetry, ephemeralsFor, eventsOf, finishedTrail, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

/** The per-step Retry buttons under the request's checklist: their values (request|step) by step id. */
function stepButtons(player: SlackPlayer, id: string): string[] {
  const blocks = (player.checklist(id)?.blocks ?? []) as { block_id?: string; elements?: { action_id?: string; value?: string }[] }[];
  return (blocks.find((b) => b.block_id === `retry-steps.${id}`)?.elements ?? []).filter((e) => e.action_id === ACTIONS.retryStep).map((e) => e.value!);
}

describe('retrying one failed step', () => {
  it('the checklist offers Retry on each failed step; an approver retries one, and only that step runs again', async () => {
    const { stack, player } = await start();
    stack.ibm.inject({ method: 'DELETE', path: '/v1/apikeys/', status: 403 });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'termination', successor: PEOPLE.taylor, ticket: 'SEC-2' });
    await player.click(PEOPLE.alex, 'approve', id);
    await finishedTrail(stack, id);
    const buttons = await stack.slack.waitFor(() => (stepButtons(player, id).length === 2 ? stepButtons(player, id) : undefined), { timeoutMs: 20_000 });
    const production = buttons.find((v) => v.includes(ACME_PRODUCTION))!;
    expect(buttons.find((v) => v.includes(ACME_STAGING))).toBeDefined();
    stack.ibm.clearFaults();

    // Not an approver: refused, nothing planned.
    await clickStepRetry(stack, player, PEOPLE.taylor, production);
    expect(ephemeralsFor(stack, PEOPLE.taylor).at(-1)?.text).toContain('Only offboarding approvers');
    expect(eventsOf(await readTrail(stack, id), 'run.planned')).toHaveLength(1);

    await clickStepRetry(stack, player, PEOPLE.riley, production);
    const trail = await finishedTrail(stack, id, { rounds: 2 });
    const [, second] = eventsOf(trail, 'run.planned');
    expect(second!.steps.map((s) => `${id}|${s.system}.${s.scope}.${s.step}`)).toEqual([production]);
    expect(second!.by).toBe(PEOPLE.riley);
    expect(stack.ibm.apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane)).toHaveLength(0);
    expect(stack.ibm.apiKeysOf(ACME_STAGING, SIM_IAM_IDS.jane)).not.toHaveLength(0);

    // The staging step is still failed and still offered; the production one is done and refused.
    await stack.slack.waitFor(() => (stepButtons(player, id).length === 1 ? true : undefined), { timeoutMs: 20_000 });
    expect(stepButtons(player, id)[0]).toContain(ACME_STAGING);
    await clickStepRetry(stack, player, PEOPLE.alex, production);
    expect(ephemeralsFor(stack, PEOPLE.alex).at(-1)?.text).toBe(`That step of ${id} has not failed: nothing to retry.`);
    expect(eventsOf(await readTrail(stack, id), 'run.planned')).toHaveLength(2);
  });
});
