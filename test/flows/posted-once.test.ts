import { describe, expect, it } from 'vitest';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { CHECKLIST_VERIFIED_BUT_ONE, eventsOf, finishedTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const janeLeaves = { person: PEOPLE.jane, reason: 'resignation' as const, successor: PEOPLE.taylor, ticket: 'HR-ONCE' };

const toApprovalChannel = (args: Record<string, unknown>) => args.channel === APPROVAL_CHANNEL && args.thread_ts === undefined;
const intoAThread = (args: Record<string, unknown>) => args.channel === APPROVAL_CHANNEL && args.thread_ts !== undefined;
const topLevel = () => (stackRef.current?.slack.messages(APPROVAL_CHANNEL) ?? []).filter((m) => !m.thread_ts);
const stackRef: { current?: Awaited<ReturnType<typeof start>>['stack'] } = {};

describe('a message Slack posted but whose answer never came back', () => {
  it('the approval message is found by its metadata on the retry, not posted again, and its buttons still decide the request', async () => {
    const { stack, player } = await start();
    stackRef.current = stack;
    stack.slack.loseResponse('chat.postMessage', 1, toApprovalChannel);

    const id = await player.request(PEOPLE.morgan, janeLeaves);

    // The retry looked for it (the first try did not), and adopted it.
    expect(stack.slack.callsTo('conversations.history').length).toBeGreaterThan(0);
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => toApprovalChannel(c.args))).toHaveLength(1);
    expect(topLevel()).toHaveLength(1);
    await player.click(PEOPLE.alex, 'approve', id);
    const trail = await finishedTrail(stack, id);
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject(VERIFIED_BUT_STAGING);
    // The adopted message is the one kept up to date: the decision replaces its buttons.
    await stack.slack.waitFor(() => JSON.stringify(topLevel()[0]!.blocks).includes('*Approved* by'), { timeoutMs: 15_000 });
    expect(JSON.stringify(topLevel()[0]!.blocks)).not.toContain('"Approve"');
  });

  it('the checklist is found in the thread on the retry: one checklist, kept up to date to the end', async () => {
    const { stack, player } = await start();
    stackRef.current = stack;
    const id = await player.request(PEOPLE.morgan, janeLeaves);
    stack.slack.loseResponse('chat.postMessage', 1, (args) => intoAThread(args) && String(args.text).startsWith('Revocation checklist'));

    await player.click(PEOPLE.alex, 'approve', id);
    await finishedTrail(stack, id);

    const approvalTs = player.approvalMessage(id)!.ts;
    const checklists = () => stack.slack.thread(APPROVAL_CHANNEL, approvalTs).filter((m) => m.text.startsWith('Revocation checklist'));
    // The retry of the lost post waits out its backoff, so the run may finish first.
    await stack.slack.waitFor(() => checklists().some((m) => JSON.stringify(m.blocks).includes(CHECKLIST_VERIFIED_BUT_ONE)), { timeoutMs: 15_000 });
    expect(checklists()).toHaveLength(1);
    expect(stack.slack.callsTo('conversations.replies').length).toBeGreaterThan(0);
  });

  it('an ordinary run never reads the channel back: the search costs a call only after an interrupted post', async () => {
    const { stack, player } = await start();
    stackRef.current = stack;
    const id = await player.request(PEOPLE.morgan, janeLeaves);

    await player.click(PEOPLE.alex, 'approve', id);
    await finishedTrail(stack, id);

    expect(stack.slack.callsTo('conversations.history')).toEqual([]);
    expect(stack.slack.callsTo('conversations.replies')).toEqual([]);
    expect(topLevel()).toHaveLength(1);
  });
});
