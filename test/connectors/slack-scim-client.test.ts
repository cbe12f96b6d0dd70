import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackScimClient, type ScimCallCounter } from '../../src/connectors/slack/scim-client.js';
import type { SlackScimSettings } from '../../src/connectors/slack/settings.js';
import { PermanentError, RetryableError } from '../../src/connectors/step-errors.js';
import { startSlackSimulator, type ScimSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';

const ADMIN_TOKEN = 'xoxp-sim-admin-0001-secretvalue';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Setup {
  sim: SlackSimulator;
  scim: ScimSimulator;
  client: SlackScimClient;
  counted: [string, string][];
}

async function setup(settings: Partial<SlackScimSettings> = {}, janeName = 'jane'): Promise<Setup> {
  const sim = await startSlackSimulator({
    botToken: 'xoxb-sim-bot',
    adminToken: ADMIN_TOKEN,
    adminUserId: 'U0ADMIN01',
    users: [
      { id: 'U0JANE001', name: janeName, realName: 'Jane Leaver', email: 'jane@example.com' },
      { id: 'U0ADMIN01', name: 'ada', realName: 'Ada Admin', email: 'ada@example.com', isOwner: true },
    ],
  });
  cleanups.push(() => sim.close());
  const counted: [string, string][] = [];
  const count: ScimCallCounter = (operation, status) => counted.push([operation, status]);
  const client = new SlackScimClient({ token: ADMIN_TOKEN, scimUrl: sim.scim!.url, apiUrl: sim.apiUrl, timeoutMs: 5_000, ...settings }, count);
  return { sim, scim: sim.scim!, client, counted };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected the call to fail, but it succeeded');
  return err;
}

describe('SlackScimClient', () => {
  it('makes outside text well-formed where it comes in: a lone surrogate in a name is read as U+FFFD', async () => {
    const { client } = await setup({}, 'jane \ud800');

    const jane = await client.getUser('U0JANE001');

    expect(jane?.userName).toBe('jane \ufffd');
    expect(jane?.displayName).toBe('jane \ufffd');
  });

  it('reads a person’s Slack account', async () => {
    const { client } = await setup();

    expect(await client.getUser('U0JANE001')).toEqual({
      id: 'U0JANE001',
      userName: 'jane',
      active: true,
      emails: ['jane@example.com'],
      displayName: 'jane',
    });
  });

  it('deactivates an account, which then reads back inactive and is signed out', async () => {
    const { client, scim } = await setup();

    expect(await client.setActive('U0JANE001', false)).toBe(true);

    expect(await client.getUser('U0JANE001')).toMatchObject({ active: false });
    expect(scim.sessionEnds.map((e) => e.userId)).toEqual(['U0JANE001']);
    expect(scim.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['PATCH /Users/U0JANE001', 'GET /Users/U0JANE001']);
  });

  it('reactivates a deactivated account, which then reads back active', async () => {
    const { client, scim } = await setup();
    await client.setActive('U0JANE001', false);

    expect(await client.setActive('U0JANE001', true)).toBe(true);

    expect(await client.getUser('U0JANE001')).toMatchObject({ active: true });
    expect(scim.user('U0JANE001')?.active).toBe(true);
  });

  it('finds no account for an unknown id, and reports a change of one as not done', async () => {
    const { client, scim } = await setup();

    expect(await client.getUser('U0NOBODY1')).toBeUndefined();
    expect(await client.setActive('U0NOBODY1', false)).toBe(false);
    expect(scim.user('U0JANE001')?.active).toBe(true);
  });

  it('counts every call by outcome', async () => {
    const { client, scim, counted } = await setup();
    scim.fault({ method: 'PATCH', status: 429, retryAfter: 1, times: 1 });

    await client.getUser('U0JANE001');
    await failure(client.setActive('U0JANE001', false));
    await client.setActive('U0JANE001', false);
    await client.getUser('U0NOBODY1');

    expect(counted).toEqual([
      ['get user', 'ok'],
      ['deactivate user', '429'],
      ['deactivate user', 'ok'],
      ['get user', '404'],
    ]);
  });

  describe('when Slack refuses or fails', () => {
    it('turns a 429 into a RetryableError that waits the Retry-After seconds, and the account stays active', async () => {
      const { client, scim } = await setup();
      scim.fault({ method: 'PATCH', status: 429, retryAfter: 7, times: 1 });

      const err = await failure(client.setActive('U0JANE001', false));

      expect(err).toBeInstanceOf(RetryableError);
      expect((err as RetryableError).retryAfterMs).toBe(7_000);
      expect(err.message).toBe('deactivate user: rate limited by Slack SCIM (429)');
      expect(scim.user('U0JANE001')?.active).toBe(true);
    });

    it('reads a Retry-After given as an HTTP date', async () => {
      const { client, scim } = await setup();
      scim.fault({ status: 429, retryAfter: new Date(Date.now() + 30_000), times: 1 });

      const err = (await failure(client.getUser('U0JANE001'))) as RetryableError;

      expect(err).toBeInstanceOf(RetryableError);
      // HTTP dates have whole seconds: up to one second is lost.
      expect(err.retryAfterMs).toBeGreaterThan(28_000);
      expect(err.retryAfterMs).toBeLessThanOrEqual(30_000);
    });

    it('turns a 5xx into a RetryableError, and the account stays active', async () => {
      const { client, scim } = await setup();
      scim.fault({ method: 'PATCH', status: 503 });

      const err = await failure(client.setActive('U0JANE001', false));

      expect(err).toBeInstanceOf(RetryableError);
      expect(err.message).toMatch(/^deactivate user: Slack SCIM answered 503 \(Service temporarily unavailable/);
      expect(scim.user('U0JANE001')?.active).toBe(true);
    });

    it('turns a 403 into a PermanentError naming SLACK_ADMIN_TOKEN and the admin scope, never the token', async () => {
      const { client, scim } = await setup();
      scim.fault({ method: 'PATCH', status: 403 });

      const err = await failure(client.setActive('U0JANE001', false));

      expect(err).toBeInstanceOf(PermanentError);
      expect(err.message).toMatch(/SLACK_ADMIN_TOKEN/);
      expect(err.message).toMatch(/admin scope/);
      expect(err.message).not.toContain(ADMIN_TOKEN);
      expect(err.message).not.toContain('secretvalue');
      expect(scim.user('U0JANE001')?.active).toBe(true);
    });

    it('turns a refused token (401) into a PermanentError naming the setting, never the token', async () => {
      const wrong = 'xoxp-revoked-9999-othersecret';
      const { client, scim } = await setup({ token: wrong });

      const err = await failure(client.setActive('U0JANE001', false));

      expect(err).toBeInstanceOf(PermanentError);
      expect(err.message).toMatch(/^deactivate user: Slack SCIM refused the admin token \(401\)\. Check SLACK_ADMIN_TOKEN/);
      expect(err.message).not.toContain('othersecret');
      expect(scim.calls.map((c) => c.status)).toEqual([401]);
      expect(scim.user('U0JANE001')?.active).toBe(true);
    });

    it('turns a stalled answer into a RetryableError once the per-call timeout runs out', async () => {
      const { client, scim } = await setup({ timeoutMs: 100 });
      scim.fault({ method: 'GET', delayMs: 1_000, times: 1 });

      const started = Date.now();
      const err = await failure(client.getUser('U0JANE001'));

      expect(err).toBeInstanceOf(RetryableError);
      expect(err.message).toBe('get user: no answer from Slack SCIM within 100 ms');
      expect(Date.now() - started).toBeLessThan(900);
    });

    it('turns a refused connection into a RetryableError', async () => {
      const port = await closedPort();
      const client = new SlackScimClient({
        token: ADMIN_TOKEN,
        scimUrl: `http://127.0.0.1:${port}/scim/v2/`,
        apiUrl: `http://127.0.0.1:${port}/api/`,
        timeoutMs: 2_000,
      });

      const err = await failure(client.getUser('U0JANE001'));

      expect(err).toBeInstanceOf(RetryableError);
      expect(err.message).toBe('get user: cannot reach Slack SCIM (ECONNREFUSED)');
    });

    it('does not take an answer that is not a SCIM user for one (a wrong SLACK_SCIM_URL)', async () => {
      const { sim } = await setup();
      // The Web API base answers 200 with {ok: false} to anything it does not know.
      const client = new SlackScimClient({ token: ADMIN_TOKEN, scimUrl: sim.apiUrl, apiUrl: sim.apiUrl, timeoutMs: 2_000 });

      const err = await failure(client.getUser('U0JANE001'));

      expect(err).toBeInstanceOf(PermanentError);
      expect(err.message).toMatch(/check SLACK_SCIM_URL/);
    });
  });
});

describe('whose token SLACK_ADMIN_TOKEN is', () => {
  it("is asked of Slack's auth.test with that token, and is that user's id", async () => {
    const { sim, client, counted } = await setup();
    expect(await client.tokenOwner()).toBe('U0ADMIN01');
    expect(sim.callsTo('auth.test')).toHaveLength(1);
    expect(counted).toEqual([['identify admin token', 'ok']]);
  });

  it('a token Slack does not accept fails for good, naming the setting and never the token', async () => {
    const { sim } = await setup();
    const client = new SlackScimClient({ token: 'xoxp-not-a-token-of-anyone', scimUrl: sim.scim!.url, apiUrl: sim.apiUrl, timeoutMs: 2_000 });
    const err = await failure(client.tokenOwner());
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toBe("identify admin token: Slack's auth.test refused SLACK_ADMIN_TOKEN (invalid_auth); check that it is a valid user token (xoxp-…)");
  });

  it('no answer may pass: a RetryableError', async () => {
    const port = await closedPort();
    const client = new SlackScimClient({
      token: ADMIN_TOKEN,
      scimUrl: `http://127.0.0.1:${port}/scim/v2/`,
      apiUrl: `http://127.0.0.1:${port}/api/`,
      timeoutMs: 2_000,
    });
    expect(await failure(client.tokenOwner())).toBeInstanceOf(RetryableError);
  });
});

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
