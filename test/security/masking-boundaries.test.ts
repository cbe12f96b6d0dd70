import { Writable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { classifyIbmError } from '../../src/connectors/ibm-cloud/classify-ibm-error.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Keys } from '../../src/redis.js';
import { context, section } from '../../src/slack/blocks/block-kit.js';
import { createSlackClient } from '../../src/slack/slack-client.js';
import { maskingFetch } from '../../src/slack/masking-fetch.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';

// Fake secrets shaped like real ones.
const API_KEY = 'Hx3pLq8ZtR1vWm6KcN9bYf2GdJ5sTa0EuP7oXi4Ql3Vz';
const JWT = 'eyJhbGciOiJub25lIn0.eyJpYW1faWQiOiJJQk1pZC1CT1VOREFSWSJ9.';
const KEY_ID = 'ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829';

describe('log lines', () => {
  function capture(level = 'debug') {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    return { logger: createLogger(level, sink), lines };
  }

  it('mask secrets in the message, in nested values, in an error and in a child logger’s bindings, and stay valid JSON', () => {
    const { logger, lines } = capture();
    const err = new Error(`IBM said: invalid token ${JWT}`);
    logger
      .child({ session: `Bearer ${API_KEY}` })
      .error({ err, body: { errors: [{ message: `apikey ${API_KEY}` }] }, keyId: KEY_ID }, `call failed for ${API_KEY}`);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toContain(API_KEY);
    expect(line).not.toContain(JWT);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({
      session: 'Bearer [redacted]',
      msg: 'call failed for [redacted]',
      keyId: KEY_ID,
      body: { errors: [{ message: 'apikey [redacted]' }] },
    });
    expect((entry.err as { message: string; stack: string }).message).toBe('IBM said: invalid token [redacted]');
    expect((entry.err as { stack: string }).stack).not.toContain('eyJ');
  });

  it('still censor credential fields by name', () => {
    const { logger, lines } = capture('info');
    logger.info({ headers: { authorization: 'opaque-value' }, password: 'plain' }, 'request');
    expect(JSON.parse(lines[0]!)).toMatchObject({ headers: { authorization: '[redacted]' }, password: '[redacted]' });
  });
});

describe('the workers’ Slack client', () => {
  const TOKEN = 'xoxb-boundary-test';
  const CHANNEL = 'C0BOUNDARY';
  let slack: SlackSimulator | undefined;
  afterEach(async () => {
    await slack?.close();
  });

  it('masks every argument it sends, text and blocks alike, and still authenticates with its token', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    const client = createSlackClient({ botToken: TOKEN, signingSecret: 'unused-secret', apiUrl: slack.apiUrl, appToken: undefined });
    await client.chat.postMessage({
      channel: CHANNEL,
      text: `failed: ${JWT}`,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `key ${API_KEY} (${KEY_ID})` } }],
    });
    const [message] = slack.messages(CHANNEL);
    expect(message?.text).toBe('failed: [redacted]');
    expect(message?.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: `key [redacted] (${KEY_ID})` } }]);
  });

  it('Bolt’s own client, through the masking fetch, masks what listeners send and still authenticates', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    const bolts = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, fetch: maskingFetch });
    await bolts.chat.postMessage({
      channel: CHANNEL,
      text: `refused: Bearer ${JWT} for ${KEY_ID} & <key ${API_KEY}>`,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `key ${API_KEY}` } }],
    });
    const [message] = slack.messages(CHANNEL);
    expect(message?.text).toBe(`refused: Bearer [redacted] for ${KEY_ID} & <key [redacted]>`);
    expect(message?.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'key [redacted]' } }]);
  });

  it('a command’s reply through respond(), a JSON body, is masked string by string and arrives as JSON', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [{ id: 'U0ASKER01', name: 'asker', realName: 'Asker' }], channels: [CHANNEL] });
    const url = slack.responseUrl({ channel: CHANNEL, userId: 'U0ASKER01' });
    const reply = {
      response_type: 'ephemeral',
      text: `refused: Bearer ${JWT}`,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `key ${API_KEY}` } }],
    };
    const res = await maskingFetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(reply) });
    expect(res.status).toBe(200);
    expect(slack.responses.map((r) => r.body)).toEqual([
      { response_type: 'ephemeral', text: 'refused: Bearer [redacted]', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'key [redacted]' } }] },
    ]);
  });

  it('counts each call by method and outcome: ok, ratelimited, or Slack’s error code', async () => {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [], channels: [CHANNEL] });
    const metrics = createMetrics();
    const client = createSlackClient({ botToken: TOKEN, signingSecret: 'unused-secret', apiUrl: slack.apiUrl, appToken: undefined }, metrics);
    slack.rateLimit('chat.postMessage', 1, 1);
    // The workers' client never waits out a 429 itself: it hands the Retry-After to the job.
    await expect(client.chat.postMessage({ channel: CHANNEL, text: 'limited' })).rejects.toMatchObject({ retryAfter: 1 });
    await client.chat.postMessage({ channel: CHANNEL, text: 'posted' });
    await expect(client.chat.postMessage({ channel: 'C0NOWHERE', text: 'lost' })).rejects.toThrow();
    const counts = Object.fromEntries((await metrics.slackCalls.get()).values.map((v) => [`${v.labels.method} ${v.labels.status}`, v.value]));
    expect(counts).toEqual({ 'chat.postMessage ratelimited': 1, 'chat.postMessage ok': 1, 'chat.postMessage channel_not_found': 1 });
  });
});

describe('Block Kit built for Bolt’s own client (views, ephemerals)', () => {
  it('masks section and context text, before a long section is cut', () => {
    const long = `${'x'.repeat(2990)} ${API_KEY}`;
    expect(JSON.stringify(section(long))).not.toContain(API_KEY.slice(0, 10));
    expect(context(`token ${JWT}`).elements[0]!.text).toBe('token [redacted]');
  });
});

describe('the audit trail', () => {
  it('keeps an event with its secrets masked, in Redis and in what append returns', async () => {
    const redis = new Redis(inject('redisUrl'));
    try {
      const keys = new Keys(`boundary-${Date.now()}`);
      const audit = new AuditTrail(redis, keys);
      const written = await audit.append('OFF-BNDRY1', { type: 'request.rejected', actor: 'U0ALEX001', reason: `use ${API_KEY}` });
      expect(written).toMatchObject({ reason: 'use [redacted]' });
      expect(JSON.stringify(await redis.xrange(keys.audit('OFF-BNDRY1'), '-', '+'))).not.toContain(API_KEY);
      expect(await audit.read('OFF-BNDRY1')).toMatchObject([{ type: 'request.rejected', reason: 'use [redacted]' }]);
    } finally {
      await redis.quit();
    }
  });

  it('keeps every identifier of a later round whole, while the secrets in its free text are masked', async () => {
    const redis = new Redis(inject('redisUrl'));
    try {
      const keys = new Keys(`boundary-${Date.now()}`);
      const audit = new AuditTrail(redis, keys);
      // Round 2 and 3 transaction ids, like every id here, look random to a guess at secrets.
      const ids = {
        stepId: 'ibm-cloud.a1b2c3d4e5f60718293a4b5c6d7e8f90.api-keys',
        transactionId: 'offboard-OFF-BNDRY2-3f9a1c-r2-a1',
        retry: 'offboard-OFF-BNDRY2-3f9a1c-r3-a12',
        key: KEY_ID,
        iamId: 'IBMid-550006ABCD',
        profile: 'Profile-9f3c2d1e-8b7a-4c6d-9e0f-1a2b3c4d5e6f',
        crn: 'crn:v1:bluemix:public:iam-identity::a/a1b2c3d4e5f60718293a4b5c6d7e8f90::apikey:ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829',
        opaque: 'Zx9Qm2LkP0aB7cD4eF6gH8iJ1kL3mN5oP7qR9sT2uV4wQ',
      };
      await audit.append('OFF-BNDRY2', {
        type: 'step.acting',
        stepId: ids.stepId,
        transactionId: ids.transactionId,
        itemIds: [ids.key, ids.profile, ids.opaque],
      });
      await audit.append('OFF-BNDRY2', {
        type: 'step.acted',
        stepId: ids.stepId,
        transactionId: ids.retry,
        changes: [{ id: ids.opaque, label: 'jane-ci', outcome: 'removed', owner: ids.iamId, snapshot: { crn: ids.crn }, detail: `IBM echoed ${API_KEY}` }],
      });
      await audit.append('OFF-BNDRY2', {
        type: 'step.failed',
        stepId: ids.stepId,
        attempt: 1,
        error: `${ids.transactionId} refused for ${API_KEY} and ${JWT}`,
      });
      const stored = JSON.stringify(await redis.xrange(keys.audit('OFF-BNDRY2'), '-', '+'));
      for (const [kind, id] of Object.entries(ids)) expect(stored, kind).toContain(id);
      expect(stored).not.toContain(API_KEY);
      expect(stored).not.toContain(JWT);
      const [acting, acted, failed] = await audit.read('OFF-BNDRY2');
      expect(acting).toMatchObject({ transactionId: ids.transactionId, itemIds: [ids.key, ids.profile, ids.opaque] });
      expect(acted).toMatchObject({
        transactionId: ids.retry,
        changes: [{ id: ids.opaque, owner: ids.iamId, snapshot: { crn: ids.crn }, detail: 'IBM echoed [redacted]' }],
      });
      expect(failed).toMatchObject({ error: `${ids.transactionId} refused for [redacted] and [redacted]` });
    } finally {
      await redis.quit();
    }
  });
});

describe('errors from IBM Cloud', () => {
  const sdkError = (status: number, message: string) =>
    Object.assign(new Error(message), { status, result: { trace: 't', errors: [{ code: 'x', message }], status_code: status } });

  it('keep IBM’s reason with an echoed token or key masked', () => {
    expect(classifyIbmError('delete API key', sdkError(500, `Internal error for token ${JWT}`)).message).toBe(
      'delete API key: IBM Cloud answered 500 (Internal error for token [redacted])',
    );
    const denied = classifyIbmError('delete API key', sdkError(403, `Not allowed with apikey ${API_KEY}`)).message;
    expect(denied).toMatch(/^delete API key: permission denied \(403\)\. Check that IBMCLOUD_API_KEY/);
    expect(denied).toContain('IBM Cloud said: Not allowed with apikey [redacted]');
  });
});
