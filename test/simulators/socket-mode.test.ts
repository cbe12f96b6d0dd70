import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SocketModeEventsClient, startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';

const BOT_TOKEN = 'xoxb-sim-bot-token';
const APP_TOKEN = 'xapp-1-A0SIM0001-sim';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function sim(): Promise<SlackSimulator> {
  const s = await startSlackSimulator({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    users: [{ id: 'U0ALICE01', name: 'alice', realName: 'Alice Leaver', email: 'alice@example.com' }],
    channels: ['C0OFFBOARD'],
  });
  cleanups.push(() => s.close());
  return s;
}

/** apps.connections.open as @slack/socket-mode calls it: a POST with the token in the Authorization header. */
async function openConnection(s: SlackSimulator, token?: string): Promise<{ ok: boolean; url?: string; error?: string }> {
  const res = await fetch(`${s.apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return (await res.json()) as { ok: boolean; url?: string; error?: string };
}

/** A raw WebSocket client that records every frame it receives. */
async function connect(url: string) {
  const ws = new WebSocket(url);
  cleanups.push(() => ws.terminate());
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames };
}

async function until<T>(probe: () => T | undefined, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Socket Mode in the Slack simulator', () => {
  it('apps.connections.open gives the app-level token a single-use ws:// URL on the simulator itself', async () => {
    const s = await sim();

    const opened = await openConnection(s, APP_TOKEN);

    expect(opened.ok).toBe(true);
    const url = new URL(opened.url!);
    expect(url.protocol).toBe('ws:');
    expect(url.host).toBe(new URL(s.apiUrl).host);
    expect(url.searchParams.get('ticket')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('apps.connections.open refuses the bot token, a wrong token and no token, as Slack does', async () => {
    const s = await sim();

    expect(await openConnection(s, BOT_TOKEN)).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await openConnection(s, 'xapp-1-not-ours')).toEqual({ ok: false, error: 'invalid_auth' });
    expect(await openConnection(s)).toEqual({ ok: false, error: 'not_authed' });
  });

  it('opens the session with hello, carrying the connection count and debug info', async () => {
    const s = await sim();
    const { frames } = await connect((await openConnection(s, APP_TOKEN)).url!);

    const hello = await until(() => frames.find((f) => f.type === 'hello'));

    expect(hello).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0SIM0001' } });
    expect(hello.debug_info).toMatchObject({ host: expect.any(String), approximate_connection_time: expect.any(Number) });
    expect(s.socketMode!.connections).toBe(1);
  });

  it('refuses a second connection on a URL already used', async () => {
    const s = await sim();
    const { url } = await openConnection(s, APP_TOKEN);
    await connect(url!);

    await expect(connect(url!)).rejects.toThrow(/401/);
  });

  it('delivers an envelope and resolves with the payload the app acknowledges it with', async () => {
    const s = await sim();
    const { ws, frames } = await connect((await openConnection(s, APP_TOKEN)).url!);
    await until(() => frames.find((f) => f.type === 'hello'));

    const delivered = s.socketMode!.deliver('slash_commands', { command: '/offboard', text: '' });
    const envelope = await until(() => frames.find((f) => f.type === 'slash_commands'));
    ws.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: 'Opening the form…' } }));

    expect(envelope).toMatchObject({ type: 'slash_commands', payload: { command: '/offboard' }, accepts_response_payload: true });
    expect(envelope.envelope_id).toEqual(expect.any(String));
    await expect(delivered).resolves.toEqual({ text: 'Opening the form…' });
    expect(s.socketMode!.envelopes[0]).toMatchObject({ type: 'slash_commands', ack: { text: 'Opening the form…' } });
  });

  it('marks Events API envelopes as first attempts that take no response payload', async () => {
    const s = await sim();
    const { ws, frames } = await connect((await openConnection(s, APP_TOKEN)).url!);
    await until(() => frames.find((f) => f.type === 'hello'));

    const delivered = s.socketMode!.deliver('events_api', { type: 'event_callback', event: { type: 'app_home_opened' } });
    const envelope = await until(() => frames.find((f) => f.type === 'events_api'));
    ws.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: {} }));

    expect(envelope).toMatchObject({ accepts_response_payload: false, retry_attempt: 0, retry_reason: '' });
    await expect(delivered).resolves.toEqual({});
  });

  it('fails a delivery the app never acknowledges, naming the envelope', async () => {
    const s = await sim();
    const { frames } = await connect((await openConnection(s, APP_TOKEN)).url!);
    await until(() => frames.find((f) => f.type === 'hello'));

    await expect(s.socketMode!.deliver('interactive', { type: 'block_actions' }, { ackTimeoutMs: 100 })).rejects.toThrow(
      /did not acknowledge interactive envelope .* within 100 ms/,
    );
  });

  it('disconnect asks the app to reconnect and sends nothing more on that session; the next session gets the events', async () => {
    const s = await sim();
    const first = await connect((await openConnection(s, APP_TOKEN)).url!);
    await until(() => first.frames.find((f) => f.type === 'hello'));

    s.socketMode!.disconnect();
    const notice = await until(() => first.frames.find((f) => f.type === 'disconnect'));
    const pending = s.socketMode!.deliver('interactive', { type: 'block_actions' });
    const second = await connect((await openConnection(s, APP_TOKEN)).url!);
    const envelope = await until(() => second.frames.find((f) => f.type === 'interactive'));
    second.ws.send(JSON.stringify({ envelope_id: envelope.envelope_id }));

    expect(notice).toMatchObject({ type: 'disconnect', reason: 'refresh_requested' });
    await expect(pending).resolves.toEqual({});
    expect(first.frames.some((f) => f.type === 'interactive')).toBe(false);
    expect(s.socketMode!.sessionsOpened).toBe(2);
  });

  it('the Socket Mode driver answers like the HTTP one: status 200 and the ack payload as the body', async () => {
    const s = await sim();
    const { ws, frames } = await connect((await openConnection(s, APP_TOKEN)).url!);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { envelope_id?: string; payload?: { type?: string } };
      if (!frame.envelope_id) return;
      const answer = frame.payload?.type === 'view_submission' ? { response_action: 'errors', errors: { ticket: 'Required' } } : undefined;
      ws.send(JSON.stringify({ envelope_id: frame.envelope_id, ...(answer ? { payload: answer } : {}) }));
    });
    await until(() => frames.find((f) => f.type === 'hello'));
    const driver = new SocketModeEventsClient({ simulator: s });

    const submitted = await driver.viewSubmission({ userId: 'U0ALICE01', view: { id: 'V0VIEW001', callback_id: 'request' }, values: {} });
    const clicked = await driver.blockAction({ userId: 'U0ALICE01', actionId: 'approve', channel: 'C0OFFBOARD' });

    expect(submitted).toEqual({
      status: 200,
      body: JSON.stringify({ response_action: 'errors', errors: { ticket: 'Required' } }),
      json: { response_action: 'errors', errors: { ticket: 'Required' } },
    });
    expect(clicked).toEqual({ status: 200, body: '' });
    const payloads = frames.filter((f) => f.type === 'interactive').map((f) => f.payload as { type: string; user: { id: string } });
    expect(payloads.map((p) => [p.type, p.user.id])).toEqual([
      ['view_submission', 'U0ALICE01'],
      ['block_actions', 'U0ALICE01'],
    ]);
  });
});
