import { describe, expect, it } from 'vitest';
import { runView } from '../../src/runs/run-view.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, JANE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, finishedTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const janeLeaves = { person: PEOPLE.jane, reason: 'resignation' as const, successor: PEOPLE.taylor, ticket: 'HR-SYS' };

describe('systems switched on by their own configuration', () => {
  it('with IBM Cloud and Slack on, the person’s Slack account is deactivated and read back, beside every IBM Cloud step', async () => {
    const { stack, player } = await start({ slackScim: true });
    expect(stack.config.systems.map((s) => s.module.id)).toEqual(['ibm-cloud', 'slack']);
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    const slackStep = runView(trail).steps.find((s) => s.ref.system === 'slack')!;
    // Slack never deletes a user: deleting it deactivates it, as disabling it does.
    expect(slackStep).toMatchObject({
      state: 'verified',
      changes: [{ id: PEOPLE.jane, outcome: 'disabled', detail: 'deactivated, signed out of every session' }],
    });
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(false);
    expect(stack.slack.scim!.sessionEnds.map((e) => e.userId)).toEqual([PEOPLE.jane]);
    expect(eventsOf(trail, 'identities.found').map((e) => e.system)).toEqual(['ibm-cloud', 'slack']);
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeUndefined();
    const checklist = await stack.slack.waitFor(() => {
      const text = JSON.stringify(player.checklist(id)?.blocks ?? []);
      return text.includes('Finished') ? text : undefined;
    });
    expect(checklist).toContain('*Slack* · workspace');
    expect(checklist).toContain('*IBM Cloud* · account');
    // The scope statement: what was checked, and what a green checklist does not vouch for.
    expect(checklist).toContain('*Checked:* IBM Cloud, 2 accounts (listed above); Slack workspace.');
    expect(checklist).toContain('*Not covered:*');
    // Each system's own statement of what it does not reach, from its module.
    expect(checklist).toContain('sessions and tokens IBM Cloud issued before access was removed');
    expect(checklist).toContain('dynamic (rule-based) access-group memberships, which IBM Cloud does not let anyone remove');
  });

  it('with Slack alone, the bot starts without any IBM Cloud setting and offboarding touches only the Slack account', async () => {
    const { stack, player } = await start({ slackScim: true, ibmCloud: false });
    expect(stack.config.systems.map((s) => s.module.id)).toEqual(['slack']);
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.planned')[0]!.steps.map((s) => s.system)).toEqual(['slack']);
    expect(eventsOf(trail, 'run.finished')[0]!.outcome).toBe('verified');
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(false);
    expect(stack.ibm.requests).toEqual([]);
    // What is not covered is said by the systems the run touched: nothing of a system it never planned.
    const checklist = await stack.slack.waitFor(() => {
      const text = JSON.stringify(player.checklist(id)?.blocks ?? []);
      return text.includes('Finished') ? text : undefined;
    });
    expect(checklist).toContain('*Not covered:* systems and accounts not configured here; identities under another email; access shown amber above.');
    expect(checklist).not.toContain('IBM Cloud');
  });

  it('with IBM Cloud alone, Slack is neither planned nor asked anything', async () => {
    const { stack, player } = await start({ slackScim: true, env: { SLACK_ADMIN_TOKEN: '' } });
    expect(stack.config.systems.map((s) => s.module.id)).toEqual(['ibm-cloud']);
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.planned')[0]!.steps.every((s) => s.system === 'ibm-cloud')).toBe(true);
    expect(stack.slack.scim!.calls).toEqual([]);
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(true);
  });

  it('a refused Slack deactivation fails only the Slack step, with the setting to fix, and leaves the account active', async () => {
    const { stack, player } = await start({ slackScim: true });
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    stack.slack.scim!.fault({ method: 'PATCH', status: 403 });
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id);
    const [finished] = eventsOf(trail, 'run.finished');
    expect(finished).toMatchObject({ outcome: 'failures', failedSteps: ['slack.workspace.account'] });
    expect(eventsOf(trail, 'step.failed')[0]!.error).toContain('SLACK_ADMIN_TOKEN');
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(true);
    expect(stack.slack.scim!.sessionEnds).toEqual([]);
  });
});
