import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { ChecklistSpacing } from '../../src/checklist/checklist-publisher.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { sampleRequest } from '../support/sample-request.js';
import { startSlackOutput } from '../support/slack-output-worker.js';

const TOKEN = 'xoxb-checklist-spacing';
const CHANNEL = 'C0APPROVAL';
const SCOPE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const STEPS = ['api-keys', 'access-groups', 'policies', 'trusted-profiles'];
const steps = STEPS.map((step) => ({ system: 'ibm-cloud', scope: SCOPE, step, title: step }));

/** The Slack jobs as a worker runs them (with its token, so checklist writes are spaced), under a fresh key prefix. */
const startSpacedOutput = (redisUrl: string, client: WebClient, spacing: ChecklistSpacing) => startSlackOutput(redisUrl, client, CHANNEL, { spacing });

describe('the live checklist while a round runs', () => {
  let slack: SlackSimulator;
  let output: ReturnType<typeof startSpacedOutput> | undefined;
  afterEach(async () => {
    await output?.close();
    await slack?.close();
  });

  it("writes a burst of step events as one update showing the latest of them, and the round's outcome at once", async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    const client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl });
    // The first update soon after the post; later ones far apart, so a prompt write can only be an "at once".
    output = startSpacedOutput(inject('redisUrl'), client, { firstMs: 300, everyMs: 60_000 });
    const { store, audit, outbox } = output;
    const request = await store.create(sampleRequest());
    const approval = await client.chat.postMessage({ channel: CHANNEL, text: 'approval' });
    await store.patch(request.id, { status: 'approved', approvalMessage: { channel: CHANNEL, ts: approval.ts! } });
    await audit.append(request.id, { type: 'run.planned', round: 1, phase: 'disable', steps, startsAt: new Date().toISOString() });
    await outbox.refreshChecklist(request.id);
    const checklist = await slack.waitFor(() => slack.thread(CHANNEL, approval.ts!).find((m) => m.text.startsWith('Revocation checklist')));
    const updates = () => slack.callsTo('chat.update').filter((c) => c.args.ts === checklist.ts);

    // Every step starts and verifies, each event asking for a refresh, as step jobs do.
    for (const step of STEPS) {
      await audit.append(request.id, { type: 'step.started', stepId: `ibm-cloud.${SCOPE}.${step}`, attempt: 1 });
      await outbox.refreshChecklist(request.id, { progress: true });
    }
    for (const step of STEPS) {
      await audit.append(request.id, {
        type: 'step.verified',
        stepId: `ibm-cloud.${SCOPE}.${step}`,
        checks: 1,
        firstConfirmedAt: new Date().toISOString(),
        elapsedMs: 5,
      });
      await outbox.refreshChecklist(request.id, { progress: true });
    }
    const burst = await slack.waitFor(() => updates()[0]);
    expect(burst.args.text).toContain('4 of 4 verified');

    // A step event after that waits for the spacing: no update for it now.
    await audit.append(request.id, { type: 'step.started', stepId: `ibm-cloud.${SCOPE}.api-keys`, attempt: 2 });
    await outbox.refreshChecklist(request.id, { progress: true });
    await new Promise((r) => setTimeout(r, 500));
    expect(updates()).toHaveLength(1);

    // The round's outcome does not wait: written at once, showing it.
    await audit.append(request.id, { type: 'run.finished', round: 1, outcome: 'verified', failedSteps: [] });
    await outbox.refreshChecklist(request.id);
    const outcome = await slack.waitFor(() => updates()[1]);
    expect(JSON.stringify(outcome.args.blocks)).toContain('every step verified');
    expect(updates()).toHaveLength(2);
    expect(slack.thread(CHANNEL, approval.ts!).filter((m) => m.text.startsWith('Revocation checklist'))).toHaveLength(1);
  });
});
