import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, LogLevel, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackEventsClient, startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';

const BOT_TOKEN = 'xoxb-sim-bot-token';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function sim(): Promise<{ s: SlackSimulator; web: WebClient }> {
  const s = await startSlackSimulator({
    botToken: BOT_TOKEN,
    users: [{ id: 'U0ALICE01', name: 'alice', realName: 'Alice', email: 'alice@example.com' }],
    channels: ['C0OFFBOARD'],
  });
  cleanups.push(() => s.close());
  return { s, web: new WebClient(BOT_TOKEN, { slackApiUrl: s.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR, logger: silent }) };
}

async function refusal(p: Promise<unknown>): Promise<{ error: string; messages: string[] }> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as WebAPIPlatformError | undefined;
  expect(err?.code).toBe(ErrorCode.PlatformError);
  return { error: err!.data.error, messages: (err!.data.response_metadata?.messages as string[] | undefined) ?? [] };
}

const silent = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string) => ({ type: 'button', action_id: 'b', value: 'v', text: { type: 'plain_text', text } });
const sections = (n: number, text = 'x') => Array.from({ length: n }, () => section(text));

describe("the Slack simulator refuses what Slack's Block Kit limits refuse", () => {
  it('takes a message of 50 blocks and refuses 51 with invalid_blocks, naming where, and keeps nothing of it', async () => {
    const { s, web } = await sim();
    await web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'ok', blocks: sections(50) });

    const refused = await refusal(web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'too many', blocks: sections(51) }));

    expect(refused).toEqual({ error: 'invalid_blocks', messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'] });
    expect(s.messages('C0OFFBOARD').map((m) => m.text)).toEqual(['ok']);
  });

  it('refuses a section text over 3000 characters, a header over 150, a button text over 75 and more than 100 options', async () => {
    const { web } = await sim();
    const post = (blocks: unknown[]) => refusal(web.chat.postMessage({ channel: 'C0OFFBOARD', text: 't', blocks: blocks as never }));

    expect((await post([section('a'.repeat(3001))])).messages).toEqual(['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]']);
    expect((await post([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }])).messages[0]).toContain('/blocks/0/text/text');
    expect((await post([{ type: 'actions', elements: [button('b'.repeat(76))] }])).messages[0]).toContain('/blocks/0/elements/0/text/text');
    const options = Array.from({ length: 101 }, (_, i) => ({ text: { type: 'plain_text', text: `o${i}` }, value: `${i}` }));
    const select = { type: 'section', text: { type: 'mrkdwn', text: 'pick' }, accessory: { type: 'static_select', action_id: 's', options } };
    expect((await post([select])).messages).toEqual(['[ERROR] no more than 100 items allowed [json-pointer:/blocks/0/accessory/options]']);
    expect((await post([{ type: 'context', elements: [{ type: 'mrkdwn', text: 'c'.repeat(3001) }] }])).error).toBe('invalid_blocks');
  });

  it('refuses a message text over 40,000 characters with msg_too_long, and blocks whose texts pass 12,000 together with msg_blocks_too_long', async () => {
    const { s, web } = await sim();
    expect((await refusal(web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'a'.repeat(40_001) }))).error).toBe('msg_too_long');
    expect((await refusal(web.chat.postMessage({ channel: 'C0OFFBOARD', text: 't', blocks: sections(5, 'a'.repeat(2500)) as never }))).error).toBe(
      'msg_blocks_too_long',
    );
    const posted = await web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'a'.repeat(40_000), blocks: sections(4, 'a'.repeat(2500)) as never });
    expect((await refusal(web.chat.update({ channel: 'C0OFFBOARD', ts: posted.ts!, text: 't', blocks: sections(51) as never }))).error).toBe('invalid_blocks');
    expect(s.message('C0OFFBOARD', posted.ts!)?.edits).toBe(0);
  });

  it('refuses a Home tab of 101 blocks and a modal whose title passes 24 characters, with invalid_arguments', async () => {
    const { s, web } = await sim();
    await web.views.publish({ user_id: 'U0ALICE01', view: { type: 'home', blocks: sections(100) as never } });
    const home = await refusal(web.views.publish({ user_id: 'U0ALICE01', view: { type: 'home', blocks: sections(101) as never } }));
    expect(home).toEqual({ error: 'invalid_arguments', messages: ['[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]'] });

    const modal = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'An offboarding request form' }, blocks: [] };
    const opened = await refusal(web.views.open({ trigger_id: s.issueTriggerId('U0ALICE01'), view: modal }));
    expect(opened.messages).toEqual(['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]']);
    expect(s.views.filter((v) => v.kind === 'open')).toEqual([]);
  });

  it('refuses a response_url answer of 51 blocks with 400 and shows nothing', async () => {
    const { s } = await sim();
    const url = s.responseUrl({ channel: 'C0OFFBOARD', userId: 'U0ALICE01' });
    const status = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ response_type: 'ephemeral', text: 't', blocks: sections(51) });
      const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(400);
    expect(s.ephemerals).toEqual([]);
    expect(s.responses).toEqual([]);
  });

  it("says when Slack would refuse an app's own answer: a command answered with 51 blocks, a submission answered with a 101-block view", async () => {
    const answers = [
      { response_type: 'ephemeral', text: 't', blocks: sections(51) },
      { response_action: 'update', view: { type: 'modal', title: { type: 'plain_text', text: 'Offboarding' }, blocks: sections(101) } },
      { response_type: 'ephemeral', text: 't', blocks: sections(50) },
    ];
    const app = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answers.shift()));
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => app.close(() => resolve())));
    const events = new SlackEventsClient({ url: `http://127.0.0.1:${(app.address() as AddressInfo).port}/`, signingSecret: 's' });
    const command = { command: '/offboard', text: 'list', userId: 'U0ALICE01', channelId: 'C0OFFBOARD', triggerId: '1.2.3' };

    expect((await events.slashCommand(command)).refused).toBe('invalid_blocks [ERROR] no more than 50 items allowed [json-pointer:/blocks]');
    expect((await events.slashCommand(command)).refused).toBe('invalid_arguments [ERROR] no more than 100 items allowed [json-pointer:/view/blocks]');
    expect((await events.slashCommand(command)).refused).toBeUndefined();
  });
});
