import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { ChecklistPublisher } from '../../src/checklist/checklist-publisher.js';
import { createLogger } from '../../src/logger.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { RequestLock } from '../../src/request-lock.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { sampleRequest } from '../support/sample-request.js';
import { slowFirstUpdate } from '../support/slow-first-update.js';

const TOKEN = 'xoxb-checklist-test';
const CHANNEL = 'C0APPROVAL';
const steps = ['api-keys', 'access-groups'].map((step) => ({ system: 'ibm-cloud', scope: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', step, title: step }));

describe('the live checklist when steps finish at the same moment', () => {
  let slack: SlackSimulator;
  let redis: Redis;
  afterEach(async () => {
    redis?.disconnect();
    await slack?.close();
  });

  it('a slow update that started first never lands after, and over, a newer one', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    redis = new Redis(inject('redisUrl'));
    const keys = new Keys(`checklist-${Date.now()}`);
    const store = new RequestStore(redis, keys);
    const audit = new AuditTrail(redis, keys);

    // Slack is slow to accept the first update only, so an unserialised second one would overtake it.
    const client = slowFirstUpdate(TOKEN, slack.apiUrl);
    const publisher = new ChecklistPublisher(new RequestLock(redis, keys), store, audit, client, createLogger('silent'));

    const request = await store.create(sampleRequest());
    const approval = await client.chat.postMessage({ channel: CHANNEL, text: 'approval' });
    await store.patch(request.id, { approvalMessage: { channel: CHANNEL, ts: approval.ts! } });
    await audit.append(request.id, { type: 'run.planned', round: 1, steps, startsAt: new Date().toISOString() });
    await publisher.refresh(request.id); // posts the checklist

    const verify = (step: string) =>
      audit.append(request.id, { type: 'step.verified', stepId: `ibm-cloud.a1b2c3d4e5f60718293a4b5c6d7e8f90.${step}`, checks: 1, firstConfirmedAt: new Date().toISOString(), elapsedMs: 5 });
    await verify('api-keys');
    const slow = publisher.refresh(request.id);
    await new Promise((r) => setTimeout(r, 50));
    await verify('access-groups');
    await Promise.all([slow, publisher.refresh(request.id)]);

    const checklist = slack.thread(CHANNEL, approval.ts!).find((m) => m.text.startsWith('Revocation checklist'));
    expect(checklist?.text).toContain('2 of 2 verified');
  });
});
