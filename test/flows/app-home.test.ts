import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../src/demo/workspace.js';
import { useStack } from '../support/stack.js';

const start = useStack();

describe('the App Home tab', () => {
  it('explains /offboard and lists the latest requests with their state, newest first', async () => {
    const { stack, player } = await start();
    const first = await player.request(PEOPLE.morgan, { person: PEOPLE.chris, reason: 'contract_end', successor: PEOPLE.taylor, ticket: 'HR-1' });
    const second = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-2' });

    const res = await stack.events.event({ type: 'app_home_opened', user: PEOPLE.riley, channel: 'D0RILEY01', tab: 'home' });
    expect(res.status).toBe(200);
    const published = stack.slack.views.filter((v) => v.kind === 'publish').at(-1);
    expect(published?.userId).toBe(PEOPLE.riley);
    const text = JSON.stringify(published?.view);
    expect(text).toContain('/offboard');
    expect(text.indexOf(second)).toBeGreaterThan(-1);
    expect(text.indexOf(second)).toBeLessThan(text.indexOf(first));
    expect(text).toContain('waiting for approval');
  });

  it('is not published when the Messages tab is opened', async () => {
    const { stack } = await start();
    await stack.events.event({ type: 'app_home_opened', user: PEOPLE.riley, channel: 'D0RILEY01', tab: 'messages' });
    expect(stack.slack.views.filter((v) => v.kind === 'publish')).toHaveLength(0);
  });
});
