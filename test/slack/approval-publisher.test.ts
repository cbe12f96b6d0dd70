import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { createLogger } from '../../src/logger.js';
import { Keys } from '../../src/redis.js';
import { RequestLock } from '../../src/request-lock.js';
import { RequestStore } from '../../src/requests/request-store.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { ApprovalPublisher } from '../../src/slack/approval-publisher.js';
import { sampleRequest } from '../support/sample-request.js';
import { slowFirstUpdate } from '../support/slow-first-update.js';

const TOKEN = 'xoxb-approval-test';
const CHANNEL = 'C0APPROVAL';
const shape = { scopes: ['a1b2c3d4e5f60718293a4b5c6d7e8f90'], touches: ['API keys'] };

describe('the approval message when the preview and the decision arrive together', () => {
  let slack: SlackSimulator;
  let redis: Redis;
  afterEach(async () => {
    redis?.disconnect();
    await slack?.close();
  });

  it('a preview rendered before the approval never puts the Approve button back after it', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    redis = new Redis(inject('redisUrl'));
    const keys = new Keys(`approval-${Date.now()}`);
    const store = new RequestStore(redis, keys);
    const audit = new AuditTrail(redis, keys);
    const client = slowFirstUpdate(TOKEN, slack.apiUrl);
    const publisher = new ApprovalPublisher(new RequestLock(redis, keys), store, audit, client, CHANNEL, shape, createLogger('silent'));

    const request = await store.create(sampleRequest());
    await publisher.post(request);
    await audit.append(request.id, { type: 'request.previewed', items: [] });
    const preview = publisher.refresh(request.id); // reads the request while it is still pending; slow to reach Slack
    await new Promise((r) => setTimeout(r, 50));
    await store.patch(request.id, { status: 'approved', decision: { outcome: 'approved', by: 'U0ALEX001', at: new Date().toISOString() } }, ['pending']);
    await Promise.all([preview, publisher.refresh(request.id)]);

    const message = slack.messages(CHANNEL)[0]!;
    expect(JSON.stringify(message.blocks)).toContain('*Approved* by <@U0ALEX001>');
    expect(JSON.stringify(message.blocks)).not.toContain('offboard_approve');
  });
});
