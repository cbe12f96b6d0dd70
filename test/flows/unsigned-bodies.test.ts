import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SIM_SIGNING_SECRET, type LocalStack } from '../../app/demo/local-stack.js';
import { GENERAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { signSlackRequest } from '../../src/simulators/slack/index.js';
import { BODY_LIMIT } from '../../src/slack/body-guard.js';
import { COMMAND } from '../../src/slack/blocks/ids.js';
import { EVENTS_PATH } from '../../src/slack/slack-server.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const nowS = () => Math.floor(Date.now() / 1000);
const FORGED = `v0=${'0'.repeat(64)}`;
/** Slack gives up on an answer after 3 s. */
const SLACK_DEADLINE_MS = 3_000;

type Outcome = { status: number } | { closed: string };

/**
 * POSTs raw bytes to the bot on 127.0.0.1 and reports its answer, or that the connection was
 * closed without one (the bot may drop a body it refuses before the sender finishes writing it).
 */
function postRaw(stack: LocalStack, body: Buffer, headers: Record<string, string>, path = EVENTS_PATH): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: stack.bot.port,
        path,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length), ...headers },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      },
    );
    req.on('error', (err) => resolve({ closed: err.message }));
    req.end(body);
  });
}

/** Bolt's receiver cannot take it: a signed request carrying it is refused 400 after it is parsed. */
const NOT_AN_OBJECT = '[[["deep"]]]';

const statusOf = (o: Outcome) => ('status' in o ? o.status : 'closed');

/** A body whose parse costs the most: a `payload` of nothing but opening brackets. */
const brackets = (bytes: number) => Buffer.concat([Buffer.from('payload='), Buffer.alloc(bytes - 8, '[')]);

function slashBody(stack: LocalStack, userId: string) {
  return new URLSearchParams({
    team_id: stack.slack.teamId,
    channel_id: GENERAL_CHANNEL,
    user_id: userId,
    command: COMMAND,
    text: '',
    response_url: stack.slack.responseUrl({ channel: GENERAL_CHANNEL, userId }),
    trigger_id: stack.slack.issueTriggerId(userId),
  }).toString();
}

const MiB = 1024 * 1024;

/** Signed as Slack signs: what the bot must take when it is small enough. */
function slackSigned(body: Buffer): Record<string, string> {
  const ts = nowS();
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest(SIM_SIGNING_SECRET, ts, body.toString('latin1')) };
}

describe('a request is not parsed before its signature is checked', () => {
  it("the cap sits well above Slack's largest payloads and well below 10 MiB: a signed 600 KB slash command is taken, a signed 2 MiB body is refused 413", async () => {
    const { stack } = await start();
    // A click carrying a full 50-block message is a few hundred KB once form-encoded (see BODY_LIMIT).
    const large = Buffer.from(`${slashBody(stack, PEOPLE.morgan)}&padding=${'x'.repeat(600_000)}`);
    const taken = await postRaw(stack, large, slackSigned(large));
    expect(statusOf(taken)).toBe(200);
    await stack.slack.waitFor(() => stack.slack.callsTo('views.open').length === 1);

    const huge = brackets(2 * MiB);
    expect(['closed', 413]).toContain(statusOf(await postRaw(stack, huge, slackSigned(huge))));
  });

  it('an unsigned or badly signed body whose payload is a list is refused 401 (unauthenticated), not 400 (parsed and found no object)', async () => {
    const { stack } = await start();
    const body = new URLSearchParams({ payload: NOT_AN_OBJECT }).toString();

    const answers = await Promise.all([
      stack.events.post(body, { signature: null }),
      stack.events.post(body, { signature: FORGED }),
      stack.events.post(body, { signature: 'not a signature' }),
      stack.events.post(body, { signature: signSlackRequest('not-the-signing-secret', nowS(), body) }),
    ]);

    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    expect(stack.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
  });

  it('the same malformed body, correctly signed, is answered 400: the refusal above was about the signature alone', async () => {
    const { stack } = await start();
    const res = await stack.events.post(new URLSearchParams({ payload: NOT_AN_OBJECT }).toString());
    expect(res.status).toBe(400);
  });

  it('a correctly signed body over the limit is refused 413 and nothing reaches the listeners', async () => {
    const { stack } = await start();
    const body = brackets(BODY_LIMIT + 1);
    const ts = String(nowS());
    const signature = signSlackRequest(SIM_SIGNING_SECRET, Number(ts), body.toString('latin1'));

    const answer = await postRaw(stack, body, { 'x-slack-request-timestamp': ts, 'x-slack-signature': signature });

    // Refused from its declared length; a sender still writing may see the connection drop instead.
    expect(['closed', 413]).toContain(statusOf(answer));
    expect(stack.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
  });

  it('a correctly signed body sent in chunks, without a length, is cut off with 413 once it passes the limit', async () => {
    const { stack } = await start();
    const body = brackets(BODY_LIMIT + 64 * 1024);
    const ts = String(nowS());
    const signature = signSlackRequest(SIM_SIGNING_SECRET, Number(ts), body.toString('latin1'));

    const answer = await new Promise<Outcome>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: stack.bot.port,
          path: EVENTS_PATH,
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'transfer-encoding': 'chunked',
            'x-slack-request-timestamp': ts,
            'x-slack-signature': signature,
          },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
        },
      );
      req.on('error', (err) => resolve({ closed: err.message }));
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
      req.end();
    });

    expect(['closed', 413]).toContain(statusOf(answer));
    expect(stack.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
  });

  it("a burst of eight unsigned 10 MiB bodies leaves a signed /offboard sent beside it answered within Slack's 3 s, and opens its form", async () => {
    const { stack } = await start();
    const hostile = brackets(10 * 1024 * 1024);
    const t0 = Date.now();

    const burst = Array.from({ length: 8 }, () => postRaw(stack, hostile, { 'x-slack-request-timestamp': String(nowS()) }));
    const offboard = stack.events.post(slashBody(stack, PEOPLE.morgan)).then((res) => ({ status: res.status, afterMs: Date.now() - t0 }));
    const [answered, refused] = await Promise.all([offboard, Promise.all(burst)]);

    expect(answered.status).toBe(200);
    expect(answered.afterMs).toBeLessThan(SLACK_DEADLINE_MS);
    await stack.slack.waitFor(() => stack.slack.callsTo('views.open').length === 1);
    // Each unsigned body is refused from its headers; none is answered anything else.
    for (const o of refused) expect(['closed', 401]).toContain(statusOf(o));
  });
});

const STANDARD_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const BAMBOO_SECRET = randomBytes(32).toString('hex');
const HR_ENV = { OFFBOARD_HR_WEBHOOK_SECRET: STANDARD_SECRET, OFFBOARD_BAMBOOHR_WEBHOOK_SECRET: BAMBOO_SECRET };

/** Each HR entry, with its headers signed correctly, or with a well-shaped signature made with another key. */
const HR_ENTRIES = [
  {
    path: '/hooks/hr',
    headers(body: Buffer, forged = false) {
      const id = `msg_${randomBytes(8).toString('hex')}`;
      const ts = String(nowS());
      const key = forged ? randomBytes(24) : Buffer.from(STANDARD_SECRET.slice('whsec_'.length), 'base64');
      const signature = createHmac('sha256', key).update(`${id}.${ts}.`).update(body).digest('base64');
      return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${signature}` };
    },
  },
  {
    path: '/hooks/hr/bamboohr',
    headers(body: Buffer, forged = false) {
      const ts = String(nowS());
      const signature = createHmac('sha256', forged ? randomBytes(32).toString('hex') : BAMBOO_SECRET)
        .update(body)
        .update(ts)
        .digest('hex');
      return { 'content-type': 'application/json', 'x-bamboohr-timestamp': ts, 'x-bamboohr-signature': signature };
    },
  },
];

describe('an HR webhook is not parsed before its signature is checked', () => {
  for (const entry of HR_ENTRIES) {
    it(`${entry.path}: unsigned or forged, a body that is not JSON is refused 401, not 400; signed, it is 400; a signed 2 MiB body is refused 413`, async () => {
      const { stack } = await start({ env: HR_ENV });
      const notJson = Buffer.from('[[[{"not": json');

      const unsigned = await postRaw(stack, notJson, { 'content-type': 'application/json' }, entry.path);
      const forged = await postRaw(stack, notJson, entry.headers(notJson, true), entry.path);
      const signed = await postRaw(stack, notJson, entry.headers(notJson), entry.path);
      const huge = Buffer.alloc(2 * MiB, '[');
      const tooLarge = await postRaw(stack, huge, entry.headers(huge), entry.path);

      expect([unsigned, forged, signed].map(statusOf)).toEqual([401, 401, 400]);
      expect(['closed', 413]).toContain(statusOf(tooLarge));
      expect(stack.slack.calls.filter((c) => c.method !== 'auth.test')).toEqual([]);
    });
  }

  it("a burst of unsigned and forged 10 MiB bodies at Slack's and the HR entries leaves a signed /offboard answered within Slack's 3 s", async () => {
    const { stack } = await start({ env: HR_ENV });
    const hostile = brackets(10 * MiB);
    const t0 = Date.now();

    const burst = [EVENTS_PATH, ...HR_ENTRIES.map((e) => e.path)].flatMap((path) => [
      postRaw(stack, hostile, { 'x-slack-request-timestamp': String(nowS()) }, path),
      postRaw(
        stack,
        hostile,
        path === EVENTS_PATH
          ? { 'x-slack-request-timestamp': String(nowS()), 'x-slack-signature': FORGED }
          : HR_ENTRIES.find((e) => e.path === path)!.headers(hostile, true),
        path,
      ),
      postRaw(stack, hostile, {}, path),
    ]);
    const offboard = stack.events.post(slashBody(stack, PEOPLE.morgan)).then((res) => ({ status: res.status, afterMs: Date.now() - t0 }));
    const [answered, refused] = await Promise.all([offboard, Promise.all(burst)]);

    expect(answered.status).toBe(200);
    expect(answered.afterMs).toBeLessThan(SLACK_DEADLINE_MS);
    for (const o of refused) expect(['closed', 401, 413]).toContain(statusOf(o));
    await stack.slack.waitFor(() => stack.slack.callsTo('views.open').length === 1);
  });
});
