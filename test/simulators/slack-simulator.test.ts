import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, LogLevel } from '@slack/bolt';
import { ErrorCode, WebClient, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackEventsClient, startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';

const BOT_TOKEN = 'xoxb-sim-bot-token';
const SIGNING_SECRET = 'sim-signing-secret';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function sim(): Promise<SlackSimulator> {
  const s = await startSlackSimulator({
    botToken: BOT_TOKEN,
    users: [
      { id: 'U0ALICE01', name: 'alice', realName: 'Alice Leaver', email: 'alice@example.com', tz: 'Europe/Berlin' },
      { id: 'U0BOB0001', name: 'bob', realName: 'Bob Approver', email: 'bob@example.com' },
    ],
    usergroups: { S0APPROVE: ['U0BOB0001'] },
    channels: ['C0OFFBOARD'],
  });
  cleanups.push(() => s.close());
  return s;
}

const silent = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

function client(s: SlackSimulator, opts: ConstructorParameters<typeof WebClient>[1] = {}, token = BOT_TOKEN) {
  return new WebClient(token, { slackApiUrl: s.apiUrl, logger: silent, retryConfig: { retries: 0 }, ...opts });
}

async function platformError(p: Promise<unknown>): Promise<string> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as WebAPIPlatformError | undefined;
  expect(err?.code).toBe(ErrorCode.PlatformError);
  return err!.data.error;
}

describe('Slack Web API simulator', () => {
  it('answers auth.test with the bot identity', async () => {
    const s = await sim();
    const res = await client(s).auth.test();
    expect(res).toMatchObject({ ok: true, user_id: 'U0BOT0001', bot_id: 'B0BOT0001', team_id: 'T0SIM0001' });
  });

  it('slows every method by "*", except one given a delay of its own; 0 restores it', async () => {
    const s = await sim();
    s.delay('*', 300);
    s.delay('auth.test', 1);
    const timed = async (call: () => Promise<unknown>) => {
      const t0 = Date.now();
      await call();
      return Date.now() - t0;
    };
    expect(await timed(() => client(s).users.info({ user: 'U0ALICE01' }))).toBeGreaterThanOrEqual(290);
    expect(await timed(() => client(s).auth.test())).toBeLessThan(290);
    s.delay('*', 0);
    expect(await timed(() => client(s).users.info({ user: 'U0ALICE01' }))).toBeLessThan(290);
  });

  it('changes the recorded message in place when the bot updates it', async () => {
    const s = await sim();
    const web = client(s);
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Offboarding* alice' } }];
    const posted = await web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'Offboarding alice', blocks });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    const reply = await web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'step 1 done', thread_ts: posted.ts! });
    expect(Number(reply.ts)).toBeGreaterThan(Number(posted.ts));

    await web.chat.update({ channel: 'C0OFFBOARD', ts: posted.ts!, text: 'Offboarding alice: done' });

    expect(s.messages('C0OFFBOARD')).toHaveLength(2);
    expect(s.message('C0OFFBOARD', posted.ts!)).toMatchObject({
      text: 'Offboarding alice: done',
      blocks, // omitted blocks are kept, like Slack
      user: 'U0BOT0001',
      edits: 1,
    });
    expect(s.thread('C0OFFBOARD', posted.ts!).map((m) => m.text)).toEqual(['Offboarding alice: done', 'step 1 done']);
    expect(s.callsTo('chat.postMessage')[0]!.args.blocks).toEqual(blocks);
  });

  it('refuses unknown channels, unknown messages and messages the bot did not write', async () => {
    const s = await sim();
    const web = client(s);
    expect(await platformError(web.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).toBe('channel_not_found');
    expect(await platformError(web.chat.update({ channel: 'C0OFFBOARD', ts: '1.000001', text: 'x' }))).toBe('message_not_found');
    const human = s.postAsUser('C0OFFBOARD', 'U0ALICE01', 'bye all');
    expect(await platformError(web.chat.update({ channel: 'C0OFFBOARD', ts: human.ts, text: 'x' }))).toBe('cant_update_message');
    expect(await platformError(web.apiCall('chat.postMessage', { text: 'no channel' }))).toBe('invalid_arguments');
    expect(await platformError(web.apiCall('nope.nothing', {}))).toBe('unknown_method');
  });

  it('treats a user id as the app DM with that user', async () => {
    const s = await sim();
    const web = client(s);
    const opened = await web.conversations.open({ users: 'U0ALICE01' });
    const posted = await web.chat.postMessage({ channel: 'U0ALICE01', text: 'Your access ends Friday' });
    expect(posted.channel).toBe(opened.channel!.id);
    expect(s.messages('U0ALICE01').map((m) => m.text)).toEqual(['Your access ends Friday']);
  });

  it('shares files.uploadV2 into a direct message opened with conversations.open, seen by that user only', async () => {
    const s = await sim();
    const web = client(s);
    const dm = (await web.conversations.open({ users: 'U0BOB0001' })).channel!.id!;

    await web.files.uploadV2({
      channel_id: dm,
      file_uploads: [{ file: Buffer.from('%PDF-1.7'), filename: 'pack.pdf' }],
      initial_comment: 'Your evidence pack',
    });

    expect(s.files).toHaveLength(1);
    expect(s.files[0]).toMatchObject({ filename: 'pack.pdf', channelId: dm, threadTs: undefined });
    expect(s.messages('U0BOB0001').map((m) => m.text)).toEqual(['Your evidence pack']);
    expect(s.messages('C0OFFBOARD')).toEqual([]);
  });

  it('refuses conversations.open without im:write, as Slack does', async () => {
    const s = await startSlackSimulator({
      botToken: BOT_TOKEN,
      users: [{ id: 'U0BOB0001', name: 'bob', realName: 'Bob Approver' }],
      botScopes: ['chat:write', 'files:write'],
    });
    cleanups.push(() => s.close());

    expect(await platformError(client(s).conversations.open({ users: 'U0BOB0001' }))).toBe('missing_scope');
  });

  it('refuses a wrong token with invalid_auth', async () => {
    const s = await sim();
    expect(await platformError(client(s, {}, 'xoxb-wrong').auth.test())).toBe('invalid_auth');
    expect(s.calls.at(-1)).toMatchObject({ method: 'auth.test', ok: false, error: 'invalid_auth' });
  });

  it('looks up users and usergroups', async () => {
    const s = await sim();
    const web = client(s);
    const info = await web.users.info({ user: 'U0ALICE01' });
    expect(info.user).toMatchObject({
      id: 'U0ALICE01',
      name: 'alice',
      real_name: 'Alice Leaver',
      deleted: false,
      is_bot: false,
      tz: 'Europe/Berlin',
      profile: { email: 'alice@example.com', real_name: 'Alice Leaver' },
    });
    expect(await platformError(web.users.info({ user: 'U0GHOST' }))).toBe('user_not_found');
    expect((await web.usergroups.users.list({ usergroup: 'S0APPROVE' })).users).toEqual(['U0BOB0001']);
    expect(await platformError(web.usergroups.users.list({ usergroup: 'S0NONE' }))).toBe('no_such_subteam');
  });

  it('stores the exact bytes of files.uploadV2 after all three steps', async () => {
    const s = await sim();
    const web = client(s);
    const parent = await web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'Offboarding alice' });
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x0d, 0x0a, ...Buffer.from('evidence\r\n--x')]);

    const res = await web.files.uploadV2({
      channel_id: 'C0OFFBOARD',
      thread_ts: parent.ts!,
      file: bytes,
      filename: 'evidence.pdf',
      title: 'Evidence pack',
      initial_comment: 'Evidence attached',
    });

    expect(s.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'files.getUploadURLExternal', 'files.completeUploadExternal']);
    expect(s.callsTo('files.getUploadURLExternal')[0]!.args).toMatchObject({ filename: 'evidence.pdf', length: String(bytes.length) });
    expect(s.files).toHaveLength(1);
    const file = s.files[0]!;
    expect(file).toMatchObject({
      filename: 'evidence.pdf',
      title: 'Evidence pack',
      channelId: 'C0OFFBOARD',
      threadTs: parent.ts,
      initialComment: 'Evidence attached',
    });
    expect(file.bytes.equals(bytes)).toBe(true);
    const completed = (res as unknown as { files: { files: { id: string; title: string; name: string }[] }[] }).files[0]!.files[0]!;
    expect(completed).toMatchObject({ id: file.id, title: 'Evidence pack', name: 'evidence.pdf' });
    expect(s.thread('C0OFFBOARD', parent.ts!)[1]).toMatchObject({ text: 'Evidence attached', files: [file.id] });
  });

  it('refuses an upload that is not the announced multipart body', async () => {
    const s = await sim();
    const { upload_url, file_id } = await client(s).files.getUploadURLExternal({ filename: 'a.txt', length: 5 });
    const raw = await fetch(upload_url!, { method: 'POST', body: 'hello' });
    expect(raw.status).toBe(400);
    const form = new FormData();
    form.append('body', new Blob([Buffer.from('hello!')]), 'a.txt');
    const wrongLength = await fetch(upload_url!, { method: 'POST', body: form });
    expect([wrongLength.status, await wrongLength.text()]).toEqual([400, expect.stringContaining('length mismatch')]);
    expect(await platformError(client(s).files.completeUploadExternal({ files: [{ id: file_id! }] }))).toBe('file_not_found');
  });

  it('refuses views.open with an unknown or reused trigger id', async () => {
    const s = await sim();
    const web = client(s);
    const view = { type: 'modal' as const, callback_id: 'offboard_form', title: { type: 'plain_text' as const, text: 'Offboard' }, blocks: [] };
    expect(await platformError(web.views.open({ trigger_id: '123.456.deadbeef', view }))).toBe('invalid_trigger_id');

    const trigger = s.issueTriggerId('U0BOB0001');
    const opened = await web.views.open({ trigger_id: trigger, view });
    expect(opened.view?.id).toMatch(/^V/);
    expect(s.views).toEqual([{ id: opened.view!.id, kind: 'open', triggerId: trigger, userId: 'U0BOB0001', view }]);
    expect(await platformError(web.views.open({ trigger_id: trigger, view }))).toBe('exchanged_trigger_id');

    await web.views.update({ view_id: opened.view!.id!, view: { ...view, private_metadata: 'req-1' } });
    expect(s.views.at(-1)).toMatchObject({ id: opened.view!.id, kind: 'update', userId: 'U0BOB0001' });
    expect(s.view(opened.view!.id!)).toMatchObject({ private_metadata: 'req-1', callback_id: 'offboard_form' });
  });

  it('answers a rate-limited method with 429 and Retry-After', async () => {
    const s = await sim();
    s.rateLimit('chat.postMessage', 1, 7);
    const web = client(s, { rejectRateLimitedCalls: true });
    const err = (await web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'hi' }).catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(err.code).toBe(ErrorCode.RateLimitedError);
    expect(err.retryAfter).toBe(7);
    expect(s.callsTo('chat.postMessage')[0]).toMatchObject({ ok: false, error: 'ratelimited' });
    // Only the next `times` calls are limited.
    await expect(web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'hi' })).resolves.toMatchObject({ ok: true });
  });

  it('waitFor resolves with the probe value and rejects clearly on timeout', async () => {
    const s = await sim();
    const web = client(s);
    setTimeout(() => void web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'later' }), 20);
    const msg = await s.waitFor(() => s.messages('C0OFFBOARD')[0]);
    expect(msg.text).toBe('later');
    await expect(s.waitFor(() => s.callsTo('views.open').length > 0, { timeoutMs: 50 })).rejects.toThrow(
      /waitFor: condition not met within 50 ms.*chat\.postMessage/,
    );
  });
});

describe('SlackEventsClient against a real Bolt HTTPReceiver', () => {
  async function boltApp(s: SlackSimulator) {
    const app = new App({
      token: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      processBeforeResponse: true,
      deferInitialization: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: s.apiUrl, retryConfig: { retries: 0 } },
    });
    const seen: Record<string, unknown>[] = [];
    app.command('/offboard', async ({ ack, command, respond }) => {
      seen.push({ kind: 'command', command });
      await ack();
      await respond({ text: `Starting offboarding of ${command.text}` });
    });
    app.action('approve', async ({ ack, body, client }) => {
      await ack();
      seen.push({ kind: 'action', body });
      const b = body as { channel?: { id: string }; message?: { ts: string } };
      await client.chat.update({ channel: b.channel!.id, ts: b.message!.ts, text: 'Approved' });
    });
    app.view('offboard_form', async ({ ack, view }) => {
      seen.push({ kind: 'view', view });
      const date = view.state.values.date_block?.date?.value;
      if (!date) return ack({ response_action: 'errors', errors: { date_block: 'Pick a date' } });
      await ack();
    });
    app.event('app_home_opened', async ({ event, client }) => {
      await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: [] } });
    });
    await app.init();
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    cleanups.push(() => app.stop().then(() => undefined));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    return { app, url, seen };
  }

  it('gets 200 for a signed slash command and 401 with a wrong signing secret', async () => {
    const s = await sim();
    const { url, seen } = await boltApp(s);

    const res = await new SlackEventsClient({ url, signingSecret: SIGNING_SECRET, simulator: s }).slashCommand({
      command: '/offboard',
      text: '<@U0ALICE01>',
      userId: 'U0BOB0001',
      channelId: 'C0OFFBOARD',
    });
    expect(res.status).toBe(200);
    expect(seen[0]).toMatchObject({
      kind: 'command',
      command: { command: '/offboard', user_id: 'U0BOB0001', user_name: 'bob', team_id: 'T0SIM0001', channel_id: 'C0OFFBOARD' },
    });
    expect(s.responses).toEqual([
      { url: expect.stringContaining(s.apiUrl.replace('/api/', '/response/')), body: { text: 'Starting offboarding of <@U0ALICE01>' } },
    ]);
    expect(s.ephemerals).toEqual([{ channel: 'C0OFFBOARD', user: 'U0BOB0001', text: 'Starting offboarding of <@U0ALICE01>' }]);

    const forged = await new SlackEventsClient({ url, signingSecret: 'not-the-secret', simulator: s }).slashCommand({
      command: '/offboard',
      text: 'x',
      userId: 'U0BOB0001',
      channelId: 'C0OFFBOARD',
    });
    expect(forged.status).toBe(401);
    expect(seen).toHaveLength(1);
  });

  it('gets 401 for unsigned and stale requests', async () => {
    const s = await sim();
    const { url } = await boltApp(s);
    const c = new SlackEventsClient({ url, signingSecret: SIGNING_SECRET, simulator: s });
    const body = 'command=%2Foffboard&text=x&user_id=U0BOB0001&channel_id=C0OFFBOARD&team_id=T0SIM0001';
    expect((await c.post(body, { signature: null })).status).toBe(401);
    expect((await c.post(body, { timestamp: Math.floor(Date.now() / 1000) - 301 })).status).toBe(401);
  });

  it('routes block actions, view submissions and events to Bolt', async () => {
    const s = await sim();
    const { url, seen } = await boltApp(s);
    const c = new SlackEventsClient({ url, signingSecret: SIGNING_SECRET, simulator: s });
    const web = client(s);
    const posted = await web.chat.postMessage({
      channel: 'C0OFFBOARD',
      text: 'Approve?',
      blocks: [
        {
          type: 'actions',
          block_id: 'decide',
          elements: [{ type: 'button', action_id: 'approve', value: 'req-1', text: { type: 'plain_text', text: 'Approve' } }],
        },
      ],
    });

    const clicked = await c.blockAction({ userId: 'U0BOB0001', actionId: 'approve', channel: 'C0OFFBOARD', messageTs: posted.ts! });
    expect(clicked.status).toBe(200);
    expect((seen[0]!.body as { actions: unknown[] }).actions[0]).toMatchObject({ action_id: 'approve', block_id: 'decide', value: 'req-1', type: 'button' });
    expect(s.message('C0OFFBOARD', posted.ts!)).toMatchObject({ text: 'Approved', edits: 1 });

    const view = { id: 'V0FORM0001', callback_id: 'offboard_form' };
    const invalid = await c.viewSubmission({ userId: 'U0BOB0001', view, values: { date_block: { date: { type: 'plain_text_input', value: '' } } } });
    expect(invalid.status).toBe(200);
    expect(invalid.json).toEqual({ response_action: 'errors', errors: { date_block: 'Pick a date' } });
    const valid = await c.viewSubmission({ userId: 'U0BOB0001', view, values: { date_block: { date: { type: 'plain_text_input', value: '2025-01-31' } } } });
    expect(valid).toMatchObject({ status: 200, body: '' });

    const opened = await c.event({ type: 'app_home_opened', user: 'U0ALICE01', channel: 'DALICE01', tab: 'home' });
    expect(opened.status).toBe(200);
    expect(s.views.at(-1)).toMatchObject({ kind: 'publish', userId: 'U0ALICE01', view: { type: 'home' } });
  });
});

describe('Slack simulator: reading messages back, metadata and lost answers', () => {
  const request = (id: string) => ({ event_type: 'offboarding_request', event_payload: { request_id: id } });

  /** Every page of a paginated read, following next_cursor until it is ''. */
  async function allPages<T extends { has_more?: boolean; response_metadata?: { next_cursor?: string } }>(
    read: (cursor: string | undefined) => Promise<T>,
  ): Promise<T[]> {
    const pages: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await read(cursor);
      pages.push(page);
      cursor = page.response_metadata?.next_cursor || undefined;
      expect(page.has_more).toBe(cursor !== undefined);
    } while (cursor !== undefined && pages.length < 10);
    return pages;
  }

  it('keeps message metadata through chat.update and shows it only with include_all_metadata', async () => {
    const s = await sim();
    const web = client(s);
    const posted = await web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'Offboarding alice', metadata: request('req-1') });
    expect(s.message('C0OFFBOARD', posted.ts!)!.metadata).toEqual(request('req-1'));
    expect(s.callsTo('chat.postMessage')[0]!.args.metadata).toEqual(request('req-1'));

    await web.chat.update({ channel: 'C0OFFBOARD', ts: posted.ts!, text: 'Offboarding alice: approved' });
    expect(s.message('C0OFFBOARD', posted.ts!)!.metadata).toEqual(request('req-1'));
    await web.chat.update({ channel: 'C0OFFBOARD', ts: posted.ts!, text: 'Offboarding alice: done', metadata: request('req-2') });
    expect(s.message('C0OFFBOARD', posted.ts!)!.metadata).toEqual(request('req-2'));

    const plain = await web.conversations.history({ channel: 'C0OFFBOARD' });
    expect(plain.messages![0]).not.toHaveProperty('metadata');
    const withMetadata = await web.conversations.history({ channel: 'C0OFFBOARD', include_all_metadata: true });
    expect(withMetadata.messages![0]).toMatchObject({ ts: posted.ts, text: 'Offboarding alice: done', metadata: request('req-2') });
    const thread = await web.conversations.replies({ channel: 'C0OFFBOARD', ts: posted.ts!, include_all_metadata: true });
    expect(thread.messages![0]!.metadata).toEqual(request('req-2'));

    const malformed = web.apiCall('chat.postMessage', { channel: 'C0OFFBOARD', text: 'x', metadata: { event_type: 'no_payload' } });
    expect(await platformError(malformed)).toBe('invalid_metadata_format');
  });

  it('pages conversations.history newest first, top-level messages only, each once', async () => {
    const s = await sim();
    const web = client(s);
    const posted: string[] = [];
    for (let i = 1; i <= 5; i++) posted.push((await web.chat.postMessage({ channel: 'C0OFFBOARD', text: `m${i}` })).ts!);
    await web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'a reply', thread_ts: posted[1]! });

    const pages = await allPages((cursor) => web.conversations.history({ channel: 'C0OFFBOARD', limit: 2, ...(cursor ? { cursor } : {}) }));

    expect(pages.map((p) => p.messages!.map((m) => m.text))).toEqual([['m5', 'm4'], ['m3', 'm2'], ['m1']]);
    expect(pages.at(-1)!.response_metadata!.next_cursor).toBe('');
    const m2 = pages[1]!.messages![1]!;
    expect(m2).toMatchObject({ type: 'message', user: 'U0BOT0001', bot_id: 'B0BOT0001', ts: posted[1], thread_ts: posted[1], reply_count: 1 });
    expect(s.callsTo('conversations.history').map((c) => c.ok)).toEqual([true, true, true]);

    expect(await platformError(web.conversations.history({ channel: 'C0NOPE' }))).toBe('channel_not_found');
    expect(await platformError(web.conversations.history({ channel: 'C0OFFBOARD', cursor: 'bm90IGEgY3Vyc29y' }))).toBe('invalid_cursor');
  });

  it('bounds conversations.history by oldest and latest, inclusive only when asked', async () => {
    const s = await sim();
    const web = client(s);
    const ts: string[] = [];
    for (let i = 1; i <= 4; i++) ts.push((await web.chat.postMessage({ channel: 'C0OFFBOARD', text: `m${i}` })).ts!);
    const texts = async (range: { oldest?: string; latest?: string; inclusive?: boolean }) =>
      (await web.conversations.history({ channel: 'C0OFFBOARD', ...range })).messages!.map((m) => m.text);

    expect(await texts({ oldest: ts[0]!, latest: ts[3]! })).toEqual(['m3', 'm2']);
    expect(await texts({ oldest: ts[0]!, latest: ts[3]!, inclusive: true })).toEqual(['m4', 'm3', 'm2', 'm1']);
    expect(await texts({ oldest: ts[2]! })).toEqual(['m4']);
    expect(await platformError(web.conversations.history({ channel: 'C0OFFBOARD', oldest: 'yesterday' }))).toBe('invalid_ts_oldest');
  });

  it('pages conversations.replies oldest first with the parent leading every page', async () => {
    const s = await sim();
    const web = client(s);
    const parent = await web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'Offboarding alice' });
    for (let i = 1; i <= 5; i++) await web.chat.postMessage({ channel: 'C0OFFBOARD', text: `step ${i}`, thread_ts: parent.ts! });
    s.postAsUser('C0OFFBOARD', 'U0BOB0001', 'elsewhere');

    const pages = await allPages((cursor) => web.conversations.replies({ channel: 'C0OFFBOARD', ts: parent.ts!, limit: 2, ...(cursor ? { cursor } : {}) }));

    expect(pages.map((p) => p.messages!.map((m) => m.text))).toEqual([
      ['Offboarding alice', 'step 1', 'step 2'],
      ['Offboarding alice', 'step 3', 'step 4'],
      ['Offboarding alice', 'step 5'],
    ]);
    expect(pages[0]!.messages![0]).toMatchObject({ ts: parent.ts, thread_ts: parent.ts, reply_count: 5 });
    expect(pages[0]!.messages![1]).toMatchObject({ thread_ts: parent.ts });

    const lone = s.postAsUser('C0OFFBOARD', 'U0ALICE01', 'no replies');
    const single = await web.conversations.replies({ channel: 'C0OFFBOARD', ts: lone.ts });
    expect(single).toMatchObject({ has_more: false, response_metadata: { next_cursor: '' } });
    expect(single.messages!.map((m) => m.text)).toEqual(['no replies']);
    expect(await platformError(web.conversations.replies({ channel: 'C0OFFBOARD', ts: '1.000001' }))).toBe('thread_not_found');
    expect(s.callsTo('conversations.replies').map((c) => c.ok)).toEqual([true, true, true, true, false]);
  });

  it('carries out a call whose answer is lost, then answers again', async () => {
    const s = await sim();
    const web = client(s);
    s.loseResponse('chat.postMessage', 1);

    await expect(web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'Offboarding alice', metadata: request('req-1') })).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });

    expect(s.messages('C0OFFBOARD')).toMatchObject([{ text: 'Offboarding alice', metadata: request('req-1') }]);
    expect(s.callsTo('chat.postMessage')).toMatchObject([{ ok: true, args: { text: 'Offboarding alice' } }]);
    // Only the next `times` answers are lost, and only those of that method.
    await expect(web.auth.test()).resolves.toMatchObject({ ok: true });
    await expect(web.chat.postMessage({ channel: 'C0OFFBOARD', text: 'again' })).resolves.toMatchObject({ ok: true });
    expect(s.messages('C0OFFBOARD').map((m) => m.text)).toEqual(['Offboarding alice', 'again']);
  });
});
