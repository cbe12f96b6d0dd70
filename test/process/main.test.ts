import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { APPROVAL_CHANNEL, APPROVERS_GROUP, WORKSPACE_USERS } from '../../app/demo/workspace.js';
import { ACME_PRODUCTION, SIM_BOT_API_KEY, startIbmCloudSimulator, type IbmCloudSimulator } from '../../src/simulators/ibm-cloud/index.js';
import { MANIFEST_BOT_SCOPES, startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { freePort } from '../../src/simulators/local-redis.js';

const TOKEN = 'xoxb-process-test-token';
const SECRET = 'process-test-signing-secret';

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

async function waitFor(check: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the bot process', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((f) => f()));
  });

  it('refuses to start on a bad configuration, listing every problem and no secret', async () => {
    const { child, output } = run({ SLACK_SIGNING_SECRET: 'do-not-print-me', SLACK_BOT_TOKEN: 'xoxp-wrong-kind', OFFBOARD_APPROVERS: 'alice' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    for (const name of ['SLACK_BOT_TOKEN', 'OFFBOARD_APPROVAL_CHANNEL', 'OFFBOARD_APPROVERS', 'IBMCLOUD_API_KEY', 'No system to offboard from']) {
      expect(output()).toContain(name);
    }
    expect(output()).not.toContain('do-not-print-me');
    expect(output()).not.toContain('xoxp-wrong-kind');
  });

  async function simulators(botScopes?: string[]) {
    const slack: SlackSimulator = await startSlackSimulator({ botToken: TOKEN, users: WORKSPACE_USERS, channels: [APPROVAL_CHANNEL], botScopes });
    const ibm: IbmCloudSimulator = await startIbmCloudSimulator();
    cleanup.push(
      () => slack.close(),
      () => ibm.close(),
    );
    const port = await freePort();
    const env = {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      OFFBOARD_METRICS_PORT: '0',
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: `proc-${port}`,
      OFFBOARD_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
      OFFBOARD_APPROVERS: APPROVERS_GROUP,
      IBMCLOUD_API_KEY: SIM_BOT_API_KEY,
      IBMCLOUD_ACCOUNT_IDS: ACME_PRODUCTION,
      IBMCLOUD_IAM_URL: ibm.url,
    };
    return { slack, ibm, port, env };
  }

  it.each([
    ['Redis cannot be reached', async () => ({ REDIS_URL: `redis://:hunter2@127.0.0.1:${await freePort()}` }), 'REDIS_URL', 'hunter2'],
    ['Slack refuses the bot token', async () => ({ SLACK_BOT_TOKEN: 'xoxb-revoked-token-value' }), 'SLACK_BOT_TOKEN', 'xoxb-revoked-token-value'],
    ['IBM Cloud refuses the API key', async () => ({ IBMCLOUD_API_KEY: 'wrong-ibm-api-key-value' }), 'IBMCLOUD_API_KEY', 'wrong-ibm-api-key-value'],
  ])('stops at start-up when %s, naming the setting to fix and not its value', async (_what, override, setting, secret) => {
    const { env } = await simulators();
    const { child, output } = run({ ...env, ...(await override()) });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toContain(setting);
    expect(output()).not.toContain(secret);
  });

  it('stops at start-up when the bot token lacks a scope it needs, naming the scope and what it is for', async () => {
    const { env } = await simulators(MANIFEST_BOT_SCOPES.filter((s) => s !== 'users:read.email'));
    const { child, output } = run(env);
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toContain('users:read.email');
    expect(output()).toContain('reinstall the app');
    expect(output()).not.toContain('offboard bot started');
    expect(output()).not.toContain(TOKEN);
  });

  it('starts without the history scopes, warning that an interrupted post may be posted twice', async () => {
    const { env } = await simulators(MANIFEST_BOT_SCOPES.filter((s) => !s.endsWith(':history')));
    const { child, output } = run(env);
    cleanup.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await waitFor(() => output().includes('offboard bot started'), 20_000, 'the bot to start');
    expect(output()).toContain('channels:history');
    expect(output()).toContain('groups:history');
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  it('serves Slack and shuts down cleanly on SIGTERM', async () => {
    const { slack, port, env } = await simulators();
    const { child, output } = run(env);
    cleanup.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await waitFor(() => output().includes('offboard bot started'), 20_000, 'the bot to start');
    // The token is checked once at start-up; Bolt is handed the bot's identity rather than asking again.
    expect(slack.callsTo('auth.test')).toHaveLength(1);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const unsigned = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: 'command=%2Foffboard' });
    expect(unsigned.status).toBe(401);

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(output()).toContain('stopped');
    expect(output()).not.toContain(TOKEN);
    expect(output()).not.toContain(SIM_BOT_API_KEY);
  });
});
