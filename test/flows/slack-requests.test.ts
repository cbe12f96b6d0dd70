import { request as httpRequest } from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { SIM_SIGNING_SECRET, type LocalStack } from '../../app/demo/local-stack.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { signSlackRequest } from '../../src/simulators/slack/index.js';
import { ACTIONS, COMMAND, FIELDS, VIEWS } from '../../src/slack/blocks/ids.js';
import { useStack } from '../support/stack.js';

const start = useStack();

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

const nowS = () => Math.floor(Date.now() / 1000);
const FORGED = `v0=${'0'.repeat(64)}`;

/** A raw `/offboard` slash command body, shaped like the one Slack sends. */
function slashBody(stack: LocalStack, userId: string, text = '') {
  return new URLSearchParams({
    token: 'simVerificationToken0001',
    team_id: stack.slack.teamId,
    team_domain: 'sim-workspace',
    channel_id: GENERAL_CHANNEL,
    channel_name: 'general',
    user_id: userId,
    user_name: stack.slack.user(userId)?.name ?? userId,
    command: COMMAND,
    text,
    api_app_id: 'A0SIM0001',
    is_enterprise_install: 'false',
    response_url: stack.slack.responseUrl({ channel: GENERAL_CHANNEL, userId }),
    trigger_id: stack.slack.issueTriggerId(userId),
  }).toString();
}

/** A raw Approve click on the approval message of `requestId`, shaped like Slack's block_actions payload. */
function approveClickBody(stack: LocalStack, userId: string, requestId: string, messageTs: string) {
  const message = stack.slack.message(APPROVAL_CHANNEL, messageTs)!;
  const payload = {
    type: 'block_actions',
    user: { id: userId, username: stack.slack.user(userId)?.name, name: stack.slack.user(userId)?.name, team_id: stack.slack.teamId },
    api_app_id: 'A0SIM0001',
    token: 'simVerificationToken0001',
    trigger_id: stack.slack.issueTriggerId(userId),
    team: { id: stack.slack.teamId, domain: 'sim-workspace' },
    enterprise: null,
    is_enterprise_install: false,
    container: { type: 'message', message_ts: messageTs, channel_id: APPROVAL_CHANNEL, is_ephemeral: false },
    channel: { id: APPROVAL_CHANNEL, name: 'approvals' },
    message: { type: 'message', user: message.user, text: message.text, blocks: message.blocks, ts: message.ts },
    state: { values: {} },
    response_url: stack.slack.responseUrl({ channel: APPROVAL_CHANNEL, userId, messageTs }),
    actions: [
      {
        action_id: ACTIONS.approve,
        block_id: `decide.${requestId}`,
        type: 'button',
        value: requestId,
        text: { type: 'plain_text', text: 'Approve' },
        action_ts: `${nowS()}.000100`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

function redisFor(stack: LocalStack) {
  const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
  closers.push(() => redis.quit());
  return redis;
}

/** Request records and the request index this stack's bot has written to Redis. */
async function storedRequestKeys(stack: LocalStack): Promise<string[]> {
  return redisFor(stack).keys(`${stack.config.redisPrefix}:request*`);
}

async function jobCount(stack: LocalStack, queueName: string): Promise<number> {
  const connection = redisFor(stack);
  const queue = new Queue(queueName, { connection, prefix: stack.config.redisPrefix });
  closers.push(() => queue.close());
  const counts = await queue.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function hasDecisionButtons(blocks: unknown[] | undefined): boolean {
  const actions = (blocks ?? []).find((b) => (b as { type?: string }).type === 'actions') as { elements?: { action_id?: string }[] } | undefined;
  const ids = (actions?.elements ?? []).map((e) => e.action_id);
  return ids.includes(ACTIONS.approve) && ids.includes(ACTIONS.reject);
}

describe('requests that did not come from Slack', () => {
  it('a slash command with a forged signature gets 401, opens no modal and stores nothing', async () => {
    const { stack } = await start();
    const body = slashBody(stack, PEOPLE.morgan);

    const res = await stack.events.post(body, { signature: FORGED });

    expect(res.status).toBe(401);
    expect(stack.slack.callsTo('views.open')).toHaveLength(0);
    expect(stack.slack.views).toHaveLength(0);
    expect(stack.slack.responses).toHaveLength(0);
    expect(await storedRequestKeys(stack)).toEqual([]);

    // The very same command, correctly signed, is accepted: the refusal was about the signature alone.
    const genuine = await stack.events.post(body);
    expect(genuine.status).toBe(200);
    await stack.slack.waitFor(() => stack.slack.callsTo('views.open').length === 1);
  });

  it('a slash command stamped more than five minutes ago gets 401 and opens no modal', async () => {
    const { stack } = await start();
    const body = slashBody(stack, PEOPLE.morgan);
    const stale = nowS() - 6 * 60;

    const res = await stack.events.post(body, { timestamp: stale, signature: signSlackRequest(SIM_SIGNING_SECRET, stale, body) });

    expect(res.status).toBe(401);
    expect(stack.slack.callsTo('views.open')).toHaveLength(0);
    expect(stack.slack.responses).toHaveLength(0);
    expect(await storedRequestKeys(stack)).toEqual([]);
  });

  it('a slash command stamped far in the future gets 401 and opens no modal', async () => {
    const { stack } = await start();
    const body = slashBody(stack, PEOPLE.morgan);
    const future = nowS() + 10 * 60;

    const res = await stack.events.post(body, { timestamp: future, signature: signSlackRequest(SIM_SIGNING_SECRET, future, body) });

    expect(res.status).toBe(401);
    expect(stack.slack.callsTo('views.open')).toHaveLength(0);
    expect(stack.slack.responses).toHaveLength(0);
    expect(await storedRequestKeys(stack)).toEqual([]);
  });

  it('a slash command with no signature header gets 401 and opens no modal', async () => {
    const { stack } = await start();

    const res = await stack.events.post(slashBody(stack, PEOPLE.morgan), { signature: null });

    expect(res.status).toBe(401);
    expect(stack.slack.callsTo('views.open')).toHaveLength(0);
    expect(await storedRequestKeys(stack)).toEqual([]);
  });

  it('a forged Approve click gets 401: the request stays pending with its buttons and nothing is enqueued', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-2001' });
    const message = player.approvalMessage(id)!;
    const updatesBefore = stack.slack.callsTo('chat.update').length;
    const editsBefore = message.edits;
    const body = approveClickBody(stack, PEOPLE.alex, id, message.ts);

    const res = await stack.events.post(body, { signature: signSlackRequest('not-the-signing-secret', nowS(), body) });

    expect(res.status).toBe(401);
    await stack.bot.settled();
    const after = stack.slack.message(APPROVAL_CHANNEL, message.ts)!;
    expect(after.edits).toBe(editsBefore);
    expect(hasDecisionButtons(after.blocks)).toBe(true);
    expect(after.text).toContain('approval needed');
    expect(stack.slack.callsTo('chat.update')).toHaveLength(updatesBefore);
    const stored = JSON.parse((await redisFor(stack).get(`${stack.config.redisPrefix}:request:${id}`))!) as { status: string; decision?: unknown };
    expect(stored.status).toBe('pending');
    expect(stored.decision).toBeUndefined();
    expect(await jobCount(stack, QUEUES.revocations)).toBe(0);
    expect(await jobCount(stack, QUEUES.runs)).toBe(0);
    expect(stack.slack.messages(PEOPLE.morgan).some((m) => m.text.includes('was approved'))).toBe(false);

    // The same click, correctly signed, does approve and enqueue: the forged one was refused for its signature.
    const genuine = await stack.events.post(body);
    expect(genuine.status).toBe(200);
    await stack.bot.settled();
    // The round starts by finding the person; its steps follow from there.
    expect(await jobCount(stack, QUEUES.runs)).toBeGreaterThan(0);
  });
});

describe('/offboard', () => {
  it('opens the request modal with nobody pre-filled', async () => {
    const { stack, player } = await start();

    const { response, view } = await player.openForm(PEOPLE.morgan);

    expect(response.status).toBe(200);
    expect(response.body).toBe('');
    expect(stack.slack.callsTo('views.open')).toHaveLength(1);
    const modal = view.view as { callback_id: string; blocks: { block_id: string; element: Record<string, unknown> }[] };
    expect(modal.callback_id).toBe(VIEWS.request);
    const person = modal.blocks.find((b) => b.block_id === FIELDS.person)!;
    expect(person.element.type).toBe('users_select');
    expect(person.element).not.toHaveProperty('initial_user');
    expect(stack.slack.messages(APPROVAL_CHANNEL)).toHaveLength(0);
  });

  it('/offboard @jane pre-fills Jane as the person leaving', async () => {
    const { stack, player } = await start();

    const { view } = await player.openForm(PEOPLE.morgan, `<@${PEOPLE.jane}|jane>`);

    const modal = view.view as { callback_id: string; blocks: { block_id: string; element: Record<string, unknown> }[] };
    expect(modal.callback_id).toBe(VIEWS.request);
    expect(modal.blocks.find((b) => b.block_id === FIELDS.person)!.element.initial_user).toBe(PEOPLE.jane);
    expect(stack.slack.callsTo('views.open')).toHaveLength(1);
  });

  it('/offboard with text that is not a person explains itself privately and opens no modal', async () => {
    const { stack } = await start();

    const res = await stack.events.slashCommand({ command: COMMAND, text: 'bogus text', userId: PEOPLE.morgan, channelId: GENERAL_CHANNEL });

    expect(res.status).toBe(200);
    const answer = res.json as { response_type?: string; text?: string };
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain('bogus text');
    expect(answer.text).toContain('Mention them with @');
    expect(stack.slack.callsTo('views.open')).toHaveLength(0);
    expect(stack.slack.messages(GENERAL_CHANNEL)).toHaveLength(0);
    expect(await storedRequestKeys(stack)).toEqual([]);
  });

  it('/offboard help lists every form of the command and opens no modal', async () => {
    const { stack } = await start();

    const res = await stack.events.slashCommand({ command: COMMAND, text: 'help', userId: PEOPLE.morgan, channelId: GENERAL_CHANNEL });

    expect(res.status).toBe(200);
    const answer = res.json as { response_type?: string; text?: string };
    expect(answer.response_type).toBe('ephemeral');
    for (const form of [
      '`/offboard`',
      '`/offboard @person`',
      '`/offboard name@example.com`',
      '`/offboard status OFF-XXXXXX`',
      '`/offboard status @person`',
      '`/offboard status name@example.com`',
      '`/offboard list`',
      '`/offboard report OFF-XXXXXX`',
      '`/offboard help`',
    ])
      expect(answer.text).toContain(form);
    expect(stack.slack.callsTo('views.open')).toHaveLength(0);
  });
});

describe('health check', () => {
  it('GET /healthz answers 200', async () => {
    const { stack } = await start();
    const callsBefore = stack.slack.calls.length;

    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`http://127.0.0.1:${stack.bot.port}/healthz`, { method: 'GET', agent: false }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        r.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(stack.slack.calls).toHaveLength(callsBefore);
  });
});
