import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { RetryableError } from '../../src/connectors/step-errors.js';
import { Keys } from '../../src/redis.js';
import { MANIFEST_BOT_SCOPES, startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { POSTED_KINDS, PostedMessages } from '../../src/slack/posted-messages.js';

const TOKEN = 'xoxb-posted-test';
const CHANNEL = 'C0APPROVAL';
const ID = 'OFF-ABC123';

describe("posting a request's one message of a kind", () => {
  let slack: SlackSimulator | undefined;
  let redis: Redis | undefined;
  afterEach(async () => {
    await slack?.close();
    await redis?.quit();
    slack = redis = undefined;
  });

  async function setUp(botScopes?: string[]) {
    slack = await startSlackSimulator({
      botToken: TOKEN,
      users: [{ id: 'U0SOMEONE1', name: 'someone', realName: 'Some One' }],
      channels: [CHANNEL],
      botScopes,
    });
    redis = new Redis(inject('redisUrl'));
    // As the bot's client: no retries of its own, a 429 rejected at once for BullMQ to retry.
    const client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    const keys = new Keys(`posted-test-${randomUUID()}`);
    return { client, keys, posted: new PostedMessages({ slack: client, redis, keys }) };
  }

  const withMetadata = (event_type: string, request_id: string) => ({ event_type, event_payload: { request_id } });

  it('after an interrupted post, finds its message past hundreds of others, on whichever page, matching kind and request id exactly', async () => {
    const { client, keys, posted } = await setUp();
    await redis!.set(keys.posting('approval', ID), String(Date.now()));
    // Ours, then pages' worth of others: the same kind about another request, another kind about this one, plain messages.
    const ours = await client.chat.postMessage({ channel: CHANNEL, text: 'ours', metadata: withMetadata(POSTED_KINDS.approval, ID) });
    await client.chat.postMessage({ channel: CHANNEL, text: 'another request', metadata: withMetadata(POSTED_KINDS.approval, 'OFF-ABC124') });
    await client.chat.postMessage({ channel: CHANNEL, text: 'another kind', metadata: withMetadata(POSTED_KINDS.checklist, ID) });
    await client.chat.postMessage({ channel: CHANNEL, text: 'a longer id', metadata: withMetadata(POSTED_KINDS.approval, `${ID}7`) });
    for (let i = 0; i < 450; i++) await client.chat.postMessage({ channel: CHANNEL, text: `noise ${i}` });
    const postsBefore = slack!.callsTo('chat.postMessage').length;

    const found = await posted.postOnce('approval', ID, { channel: CHANNEL, text: 'ours, rendered again' });

    expect(found).toEqual({ channel: CHANNEL, ts: ours.ts, found: true });
    expect(slack!.callsTo('chat.postMessage')).toHaveLength(postsBefore);
    expect(slack!.callsTo('conversations.history').length).toBeGreaterThanOrEqual(3);
  });

  it('after an interrupted post that never reached Slack, posts it, with the request id in its metadata', async () => {
    const { keys, posted } = await setUp();
    await redis!.set(keys.posting('approval', ID), String(Date.now()));
    slack!.postAsUser(CHANNEL, 'U0SOMEONE1', 'a person talking');

    const result = await posted.postOnce('approval', ID, { channel: CHANNEL, text: 'the approval message' });

    expect(result.found).toBe(false);
    expect(slack!.message(CHANNEL, result.ts)?.metadata).toEqual(withMetadata(POSTED_KINDS.approval, ID));
  });

  it('a search Slack refuses for now is retried later: nothing is posted meanwhile', async () => {
    const { keys, posted } = await setUp();
    await redis!.set(keys.posting('checklist', ID), String(Date.now()));
    const parent = slack!.postAsUser(CHANNEL, 'U0SOMEONE1', 'the approval message');
    slack!.rateLimit('conversations.replies', 1, 2);

    await expect(posted.postOnce('checklist', ID, { channel: CHANNEL, thread_ts: parent.ts, text: 'checklist' })).rejects.toBeInstanceOf(RetryableError);

    expect(slack!.callsTo('chat.postMessage')).toEqual([]);
  });

  it('without the history scopes, an interrupted post is posted again rather than never: the search is refused, the message goes out', async () => {
    const { client, keys, posted } = await setUp(MANIFEST_BOT_SCOPES.filter((s) => s !== 'channels:history'));
    await redis!.set(keys.posting('approval', ID), String(Date.now()));
    await client.chat.postMessage({ channel: CHANNEL, text: 'the earlier try', metadata: withMetadata(POSTED_KINDS.approval, ID) });

    const result = await posted.postOnce('approval', ID, { channel: CHANNEL, text: 'the approval message' });

    expect(result.found).toBe(false);
    expect(slack!.callsTo('conversations.history').map((c) => c.error)).toEqual(['missing_scope']);
    expect(slack!.messages(CHANNEL).map((m) => m.text)).toEqual(['the earlier try', 'the approval message']);
  });
});
