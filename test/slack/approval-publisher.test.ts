import { afterEach, describe, expect, inject, it } from 'vitest';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { sampleRequest } from '../support/sample-request.js';
import { slowFirstUpdate } from '../support/slow-first-update.js';
import { startSlackOutput } from '../support/slack-output-worker.js';

const TOKEN = 'xoxb-approval-test';
const CHANNEL = 'C0APPROVAL';

describe('the approval message when the preview and the decision arrive together', () => {
  let slack: SlackSimulator;
  let output: ReturnType<typeof startSlackOutput> | undefined;
  afterEach(async () => {
    await output?.close();
    await slack?.close();
  });

  it('a preview rendered before the approval never puts the Approve button back after it', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    output = startSlackOutput(inject('redisUrl'), slowFirstUpdate(TOKEN, slack.apiUrl), CHANNEL);
    const { store, audit, outbox } = output;

    const request = await store.create(sampleRequest());
    await outbox.announce(request.id);
    await output.drained();
    await audit.append(request.id, { type: 'request.previewed', items: [] });
    await outbox.refreshApproval(request.id); // reads the request while it is still pending; slow to reach Slack
    await new Promise((r) => setTimeout(r, 50));
    await store.patch(request.id, { status: 'approved', decision: { outcome: 'approved', by: 'U0ALEX001', at: new Date().toISOString() } }, ['pending']);
    await outbox.refreshApproval(request.id);
    await output.drained();

    expect(slack.messages(CHANNEL)).toHaveLength(1);
    const message = slack.messages(CHANNEL)[0]!;
    expect(JSON.stringify(message.blocks)).toContain('*Approved* by <@U0ALEX001>');
    expect(JSON.stringify(message.blocks)).not.toContain('offboard_approve');
  });

  it('announcing the same request twice posts one approval message', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    output = startSlackOutput(inject('redisUrl'), slowFirstUpdate(TOKEN, slack.apiUrl), CHANNEL);
    const request = await output.store.create(sampleRequest());
    await Promise.all([output.outbox.announce(request.id), output.outbox.announce(request.id)]);
    await output.drained();
    await output.outbox.announce(request.id);
    await output.drained();
    expect(slack.messages(CHANNEL)).toHaveLength(1);
  });
});
