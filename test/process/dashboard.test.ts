import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../jobs/systems.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const LOGIN = { OFFBOARD_DASHBOARD_PORT: '0', OFFBOARD_DASHBOARD_USER: 'ops', OFFBOARD_DASHBOARD_PASSWORD: 'correct horse battery' };

function basic(user: string, password: string) {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

async function dashboard() {
  const { stack } = await start({ env: LOGIN });
  const port = stack.bot.dashboardPort!;
  return (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${port}${path}`, init);
}

describe('the queue dashboard (OFFBOARD_DASHBOARD_PORT)', () => {
  it('is off unless OFFBOARD_DASHBOARD_PORT is set', async () => {
    const { stack } = await start();

    expect(stack.bot.dashboardPort).toBeUndefined();
  });

  it('asks for basic auth without credentials', async () => {
    const get = await dashboard();

    const res = await get('/');

    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });

  it('refuses a wrong password, a wrong user and a malformed header alike', async () => {
    const get = await dashboard();

    const answers = await Promise.all([
      get('/', { headers: basic('ops', 'wrong') }),
      get('/', { headers: basic('someone', LOGIN.OFFBOARD_DASHBOARD_PASSWORD) }),
      get('/', { headers: basic('ops', `${LOGIN.OFFBOARD_DASHBOARD_PASSWORD}x`) }),
      get('/', { headers: { authorization: 'Basic not-base64!' } }),
      get('/api/queues', { headers: { authorization: `Bearer ${LOGIN.OFFBOARD_DASHBOARD_PASSWORD}` } }),
    ]);

    expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
  });

  it('serves the board with the right credentials and lists every queue of the bot', async () => {
    const get = await dashboard();
    const auth = { headers: basic(LOGIN.OFFBOARD_DASHBOARD_USER, LOGIN.OFFBOARD_DASHBOARD_PASSWORD) };

    const page = await get('/', auth);
    const api = await get('/api/queues', auth);

    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Offboard queues');
    expect(api.status).toBe(200);
    const { queues } = (await api.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(queues.map((q) => q.name).sort()).toEqual(Object.values(QUEUES).sort());
    // Retrying or removing a step from here would bypass the approvers' Retry button and the audit trail.
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);
  });
});

describe('dashboard configuration', () => {
  const base = {
    SLACK_BOT_TOKEN: 'xoxb-1-2-3',
    SLACK_SIGNING_SECRET: 'secret',
    OFFBOARD_APPROVAL_CHANNEL: 'C0APPROVAL',
    OFFBOARD_APPROVERS: 'S0ITAPPROV',
    IBMCLOUD_API_KEY: 'key',
    IBMCLOUD_ACCOUNT_IDS: '0123456789abcdef0123456789abcdef',
  };

  it('requires a user and a password when the port is set, listing both problems', () => {
    let problems: string[] = [];
    try {
      loadConfig({ ...base, OFFBOARD_DASHBOARD_PORT: '3001' }, SYSTEMS);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }

    expect(problems).toEqual([
      'OFFBOARD_DASHBOARD_USER is required when OFFBOARD_DASHBOARD_PORT is set (the dashboard is behind HTTP basic auth)',
      'OFFBOARD_DASHBOARD_PASSWORD is required when OFFBOARD_DASHBOARD_PORT is set (the dashboard is behind HTTP basic auth)',
    ]);
  });

  it('refuses a password shorter than 16 characters at start-up, and takes one of 16', () => {
    let problems: string[] = [];
    try {
      loadConfig({ ...base, ...LOGIN, OFFBOARD_DASHBOARD_PASSWORD: 'fifteen-chars-x' }, SYSTEMS);
    } catch (err) {
      problems = (err as ConfigError).problems;
    }

    expect(problems).toEqual(['OFFBOARD_DASHBOARD_PASSWORD must be at least 16 characters (the dashboard has no lockout: a short password can be guessed)']);
    expect(loadConfig({ ...base, ...LOGIN, OFFBOARD_DASHBOARD_PASSWORD: 'sixteen-chars-xy' }, SYSTEMS).dashboard?.password).toBe('sixteen-chars-xy');
  });

  it('reads the port and the login, and leaves the dashboard off without a port', () => {
    expect(loadConfig({ ...base, ...LOGIN, OFFBOARD_DASHBOARD_PORT: '3001' }, SYSTEMS).dashboard).toEqual({
      port: 3001,
      user: 'ops',
      password: LOGIN.OFFBOARD_DASHBOARD_PASSWORD,
    });
    expect(loadConfig(base, SYSTEMS).dashboard).toBeUndefined();
  });
});
