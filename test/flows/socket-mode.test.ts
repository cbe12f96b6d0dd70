import { extractText, getDocumentProxy } from 'unpdf';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { PACK_VERIFIED_BUT_ONE } from '../support/approval-helpers.js';
import { SYSTEMS } from '../../jobs/systems.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { startLocalStack, type LocalStack } from '../../app/demo/local-stack.js';
import { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';
import type { SocketModeEventsClient } from '../../src/simulators/slack/index.js';

const stacks: LocalStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

async function socketModeStack(): Promise<{ stack: LocalStack<SocketModeEventsClient>; player: SlackPlayer }> {
  const stack = await startLocalStack({ redisUrl: inject('redisUrl'), socketMode: true });
  stacks.push(stack);
  return { stack, player: new SlackPlayer(stack) };
}

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  it('offboards end to end over the socket: request, approval, every account verified, evidence in the thread', async () => {
    const { stack, player } = await socketModeStack();

    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-501' });
    await player.click(PEOPLE.alex, 'approve', id);
    const pdf = await player.evidence(id);

    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true });
    expect(text).toContain(PACK_VERIFIED_BUT_ONE);
    expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeUndefined();
    expect(stack.ibm.userInAccount(ACME_STAGING, JANE_EMAIL)).toBeUndefined();
    // Everything Slack sent came over the socket and was acknowledged; the bot took no Slack HTTP request.
    const envelopes = stack.slack.socketMode!.envelopes;
    expect(envelopes.map((e) => e.type)).toEqual(expect.arrayContaining(['slash_commands', 'interactive']));
    expect(envelopes.every((e) => e.ack !== undefined)).toBe(true);
    expect(stack.bot.port).toBeUndefined();
  });

  it('needs no signing secret and still serves /healthz and /readyz on PORT, /metrics on OFFBOARD_METRICS_PORT', async () => {
    const { stack } = await socketModeStack();

    expect(stack.config.slack.signingSecret).toBeUndefined();
    const base = `http://127.0.0.1:${stack.bot.opsPort}`;
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok');
    expect(await (await fetch(`${base}/readyz`)).text()).toBe('ready');
    expect((await fetch(`http://127.0.0.1:${stack.bot.metricsPort}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/slack/events`, { method: 'POST' })).status).toBe(404);
  });

  it('reconnects when Slack asks it to, and keeps working on the new connection', async () => {
    const { stack, player } = await socketModeStack();
    const hub = stack.slack.socketMode!;

    hub.disconnect('refresh_requested');
    const { view } = await player.openForm(PEOPLE.morgan);

    expect(hub.sessionsOpened).toBe(2);
    expect(hub.connections).toBe(1);
    expect(view.kind).toBe('open');
    const command = hub.envelopes.find((e) => e.type === 'slash_commands');
    expect(command?.ack).toBeDefined();
  });

  it('answers a refused modal submission in the ack, as Slack expects over the socket', async () => {
    const { stack, player } = await socketModeStack();

    const res = await player.submitForm(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: '' });

    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_action: 'errors' });
    expect(stack.slack.messages(APPROVAL_CHANNEL).filter((m) => m.text.includes('OFF-'))).toHaveLength(0);
  });
});

describe('Socket Mode configuration', () => {
  const base = {
    SLACK_BOT_TOKEN: 'xoxb-1-2-3',
    OFFBOARD_APPROVAL_CHANNEL: 'C0APPROVAL',
    OFFBOARD_APPROVERS: 'S0ITAPPROV',
    IBMCLOUD_API_KEY: 'key',
    IBMCLOUD_ACCOUNT_IDS: '0123456789abcdef0123456789abcdef',
  };

  it('takes SLACK_APP_TOKEN instead of SLACK_SIGNING_SECRET', () => {
    const config = loadConfig({ ...base, SLACK_APP_TOKEN: 'xapp-1-A0-1-abc' }, SYSTEMS);

    expect(config.slack.appToken).toBe('xapp-1-A0-1-abc');
    expect(config.slack.signingSecret).toBeUndefined();
  });

  it('still requires SLACK_SIGNING_SECRET without SLACK_APP_TOKEN', () => {
    expect(() => loadConfig(base, SYSTEMS)).toThrow(ConfigError);
    expect(() => loadConfig(base, SYSTEMS)).toThrow(/SLACK_SIGNING_SECRET is required/);
  });

  it('refuses a token that is not an app-level token, without echoing it', () => {
    let problems: string[] = [];
    try {
      loadConfig({ ...base, SLACK_APP_TOKEN: 'xoxb-secret-value' }, SYSTEMS);
    } catch (err) {
      problems = (err as ConfigError).problems;
    }

    expect(problems).toEqual(['SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information → App-Level Tokens)']);
  });
});
