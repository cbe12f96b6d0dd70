import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../app/demo/workspace.js';
import { CHECKLIST_VERIFIED_BUT_ONE, eventsOf, finishedTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();

describe('when Slack rate-limits every checklist update through the end of the run', () => {
  it('revocation does not wait for Slack, and once Slack recovers the checklist shows the run finished with its report', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-429' });
    stack.slack.rateLimit('chat.update', 6, 1);
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id, { timeoutMs: 20_000 });
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    // The run finished while Slack was still refusing updates.
    const refused = stack.slack.calls.filter((c) => c.method === 'chat.update' && !c.ok).length;
    expect(refused).toBeLessThan(6);

    const checklist = await stack.slack.waitFor(
      () => {
        const c = player.checklist(id);
        return c && JSON.stringify(c.blocks).includes('Finished') && JSON.stringify(c.blocks).includes('Evidence report') ? c : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(JSON.stringify(checklist.blocks)).toContain(CHECKLIST_VERIFIED_BUT_ONE);
    expect(stack.slack.calls.filter((c) => c.method === 'chat.update' && !c.ok)).toHaveLength(6);
  }, 45_000);
});
