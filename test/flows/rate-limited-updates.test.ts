import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../app/demo/workspace.js';
import { runView } from '../../src/runs/run-view.js';
import { CHECKLIST_VERIFIED_BUT_ONE, eventsOf, finishedTrail, STAGING_CREDENTIALS, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const RETRY_AFTER_S = 1;

describe('when Slack answers every chat.update with 429 for the whole run', () => {
  it('the run ends verified regardless, no message is tried again before Retry-After, and the checklist catches up once Slack recovers', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-429-ALL' });
    const from = stack.slack.calls.length;
    stack.slack.rateLimit('chat.update', Infinity, RETRY_AFTER_S);
    await player.click(PEOPLE.alex, 'approve', id);

    // Every step verified while Slack accepted no update at all.
    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    expect(runView(trail).steps.every((s) => s.state === 'verified' || s.state === 'residual' || s.id === STAGING_CREDENTIALS)).toBe(true);
    const updates = () => stack.slack.calls.slice(from).filter((c) => c.method === 'chat.update');
    expect(updates().length).toBeGreaterThan(0);
    expect(updates().every((c) => !c.ok && c.error === 'ratelimited')).toBe(true);
    // The checklist was posted (chat.postMessage was never limited) and shows no finished run yet.
    expect(JSON.stringify(player.checklist(id)?.blocks ?? [])).not.toContain('Finished');

    // Slack keeps refusing after the run: the checklist is tried again, though never sooner than Slack asked.
    const checklistTs = player.checklist(id)!.ts;
    await stack.slack.waitFor(() => updates().filter((c) => c.args.ts === checklistTs).length >= 2, { timeoutMs: 15_000 });
    const byMessage = new Map<string, number[]>();
    for (const c of updates()) byMessage.set(String(c.args.ts), [...(byMessage.get(String(c.args.ts)) ?? []), c.at]);
    for (const [ts, at] of byMessage) {
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!, `chat.update of ${ts}, try ${i + 1}`).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000);
    }

    stack.slack.rateLimit('chat.update', 0, 0);
    const checklist = await stack.slack.waitFor(
      () => {
        const text = JSON.stringify(player.checklist(id)?.blocks ?? []);
        return text.includes(CHECKLIST_VERIFIED_BUT_ONE) && text.includes('Evidence report') ? text : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(checklist).toContain('Finished');
    await stack.slack.waitFor(() => player.approvalMessage(id)?.text.includes('(approved)'), { timeoutMs: 20_000 });
  }, 45_000);
});
