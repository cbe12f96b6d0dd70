import { afterEach, describe, expect, inject, it } from 'vitest';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { sampleRequest } from '../support/sample-request.js';
import { slowFirstUpdate } from '../support/slow-first-update.js';
import { startSlackOutput } from '../support/slack-output-worker.js';

const TOKEN = 'xoxb-checklist-test';
const CHANNEL = 'C0APPROVAL';
const SCOPE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const steps = ['api-keys', 'access-groups'].map((step) => ({ system: 'ibm-cloud', scope: SCOPE, step, title: step }));

describe('the live checklist when steps finish at the same moment', () => {
  let slack: SlackSimulator;
  let output: ReturnType<typeof startSlackOutput> | undefined;
  afterEach(async () => {
    await output?.close();
    await slack?.close();
  });

  it('a slow update that started first never lands after, and over, a newer one', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    // Slack is slow to accept the first update only, so an unserialised second one would overtake it.
    const client = slowFirstUpdate(TOKEN, slack.apiUrl);
    output = startSlackOutput(inject('redisUrl'), client, CHANNEL);
    const { store, audit, outbox } = output;

    const request = await store.create(sampleRequest());
    const approval = await client.chat.postMessage({ channel: CHANNEL, text: 'approval' });
    await store.patch(request.id, { approvalMessage: { channel: CHANNEL, ts: approval.ts! } });
    await audit.append(request.id, { type: 'run.planned', round: 1, steps, startsAt: new Date().toISOString() });
    await outbox.refreshChecklist(request.id); // posts the checklist
    await output.drained();

    const verify = (step: string) =>
      audit.append(request.id, {
        type: 'step.verified',
        stepId: `ibm-cloud.${SCOPE}.${step}`,
        checks: 1,
        firstConfirmedAt: new Date().toISOString(),
        elapsedMs: 5,
      });
    await verify('api-keys');
    await outbox.refreshChecklist(request.id);
    await new Promise((r) => setTimeout(r, 50));
    await verify('access-groups');
    await outbox.refreshChecklist(request.id);
    await output.drained();

    const checklist = slack.thread(CHANNEL, approval.ts!).find((m) => m.text.startsWith('Revocation checklist'));
    expect(checklist?.text).toContain('2 of 2 verified');
    // One message, updated in place: never a second checklist.
    expect(slack.thread(CHANNEL, approval.ts!).filter((m) => m.text.startsWith('Revocation checklist'))).toHaveLength(1);
  });

  it('waits for the approval message instead of posting the checklist nowhere, then posts it once there is one', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    const client = slowFirstUpdate(TOKEN, slack.apiUrl);
    output = startSlackOutput(inject('redisUrl'), client, CHANNEL);
    const { store, audit, outbox } = output;
    const request = await store.create(sampleRequest());
    await audit.append(request.id, { type: 'run.planned', round: 1, steps, startsAt: new Date().toISOString() });

    await outbox.refreshChecklist(request.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.messages(CHANNEL)).toHaveLength(0);

    const approval = await client.chat.postMessage({ channel: CHANNEL, text: 'approval' });
    await store.patch(request.id, { approvalMessage: { channel: CHANNEL, ts: approval.ts! } });
    await output.drained();
    expect(slack.thread(CHANNEL, approval.ts!).filter((m) => m.text.startsWith('Revocation checklist'))).toHaveLength(1);
  });
});
