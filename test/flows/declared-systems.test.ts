import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, JANE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';
import { runView } from '../../src/runs/run-view.js';
import { eventsOf, finishedTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const janeLeaves = { person: PEOPLE.jane, reason: 'resignation' as const, successor: PEOPLE.taylor, ticket: 'HR-DECL' };

/** The finished checklist's text. */
async function finishedChecklist(stack: Awaited<ReturnType<typeof start>>['stack'], player: Awaited<ReturnType<typeof start>>['player'], id: string) {
  return stack.slack.waitFor(() => {
    const text = JSON.stringify(player.checklist(id)?.blocks ?? []);
    return text.includes('Finished') ? text : undefined;
  });
}

describe('a SCIM application declared in OFFBOARD_SYSTEMS_FILE', () => {
  it('is offboarded beside the built-in systems, read back, and shown in the preview, the checklist, the evidence and the metrics', async () => {
    const { stack, player } = await start({ github: true, slackScim: true });
    const github = stack.github!;
    expect(stack.config.systems.map((s) => s.module.id)).toEqual(['ibm-cloud', 'slack', 'github']);

    const id = await player.request(PEOPLE.morgan, janeLeaves);
    // The approvers' read-only check asks GitHub too, and says what she holds there.
    const preview = JSON.stringify(player.approvalMessage(id)?.blocks ?? []);
    expect(preview).toContain('GitHub Enterprise · directory: GitHub Enterprise groups: 2 · GitHub Enterprise account: 1');
    expect(preview).toContain('GitHub Enterprise: Jane Doe `gh-jane` (jane.doe@acme.example, active)');
    expect(github.calls.filter((c) => c.method !== 'GET')).toEqual([]);

    await player.click(PEOPLE.alex, 'approve', id);
    const trail = await finishedTrail(stack, id);

    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    const steps = runView(trail).steps.filter((s) => s.ref.system === 'github');
    expect(steps.map((s) => [s.id, s.state])).toEqual([
      ['github.directory.groups', 'verified'],
      ['github.directory.account', 'verified'],
    ]);
    expect(steps[0]!.changes?.map((c) => [c.label, c.outcome])).toEqual([
      ['platform', 'removed'],
      ['deployers', 'removed'],
    ]);
    expect(steps[1]!.changes).toMatchObject([{ id: 'gh-jane', outcome: 'removed', detail: 'deleted from GitHub Enterprise' }]);
    // Read back: the account is gone and no team lists her; nobody else lost anything.
    expect(github.directory.users.has('gh-jane')).toBe(false);
    expect([...github.directory.groups.values()].map((g) => [g.displayName, g.members])).toEqual([
      ['platform', ['gh-alex', 'gh-taylor']],
      ['deployers', ['gh-chris']],
      ['contractors', ['gh-chris']],
    ]);
    expect(github.calls.filter((c) => c.method === 'GET' && c.path === '/Users/gh-jane').length).toBeGreaterThan(0);
    // The built-in systems ran in the same round.
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeUndefined();
    expect(stack.slack.scim!.user(PEOPLE.jane)?.active).toBe(false);

    const checklist = await finishedChecklist(stack, player, id);
    expect(checklist).toContain('*GitHub Enterprise* · directory');
    expect(checklist).toContain('GitHub Enterprise groups');
    expect(checklist).toContain('GitHub Enterprise account');
    // What the profile says offboarding there does not reach.
    expect(checklist).toContain('stays listed among the enterprise');

    const pdf = await player.evidence(id);
    const text = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text;
    expect(text).toContain('GitHub Enterprise account');
    expect(text).toContain('GitHub Enterprise groups');

    // Its declared id is its metric label.
    const calls = await stack.bot.metrics.registry.getSingleMetricAsString('offboard_system_calls_total');
    expect(calls).toMatch(/offboard_system_calls_total\{system="github",operation="delete user",status="ok"\} 1/);
  });

  it('a declared application refusing the token fails only its own steps, naming the variable to fix, and keeps her account there', async () => {
    const { stack, player } = await start({ github: true });
    const github = stack.github!;
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    github.fault({ method: 'PATCH', status: 401 });
    github.fault({ method: 'DELETE', status: 401 });

    await player.click(PEOPLE.alex, 'approve', id);
    const trail = await finishedTrail(stack, id);

    const [finished] = eventsOf(trail, 'run.finished');
    expect(finished).toMatchObject({ outcome: 'failures', failedSteps: ['github.directory.groups', 'github.directory.account'] });
    for (const failed of eventsOf(trail, 'step.failed')) expect(failed.error).toContain('GITHUB_SCIM_TOKEN');
    // Nothing was changed in GitHub: no green passes for it.
    expect(github.directory.users.get('gh-jane')?.active).toBe(true);
    expect(github.directory.groups.get('gh-team-deployers')?.members).toEqual(['gh-jane', 'gh-chris']);
    expect(eventsOf(trail, 'step.verified').filter((e) => e.stepId.startsWith('github.'))).toEqual([]);
    // IBM Cloud went on regardless.
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeUndefined();
  });

  it('a declared application that refuses the token stops the start, naming the variable to fix, never its value', async () => {
    const refused = start({ github: true, env: { GITHUB_SCIM_TOKEN: 'not-the-token-0001' } });

    await expect(refused).rejects.toThrow(/GitHub Enterprise refused the token \(401\)\. Check GITHUB_SCIM_TOKEN/);
    await expect(refused).rejects.not.toThrow(/not-the-token-0001/);
  });
});
