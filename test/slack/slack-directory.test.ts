import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { SlackDirectory } from '../../src/slack/slack-directory.js';

const TOKEN = 'xoxb-directory-test';
const JANE = { id: 'U0JANE001', name: 'jane', realName: 'Jane Doe', email: 'jane.doe@acme.example' };

describe('who people are, cached per process', () => {
  let slack: SlackSimulator;
  afterEach(async () => {
    await slack?.close();
  });

  async function directoryAt(clock: { now: number }) {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [JANE] });
    const client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    return new SlackDirectory(client, { kind: 'users', ids: [] }, () => clock.now);
  }

  it('asks Slack once for lookups within a minute, concurrent ones included, and again after it', async () => {
    const clock = { now: 1_000_000 };
    const directory = await directoryAt(clock);

    const [a, b] = await Promise.all([directory.person(JANE.id), directory.person(JANE.id)]);
    clock.now += 59_000;
    const c = await directory.person(JANE.id);
    expect(slack.callsTo('users.info')).toHaveLength(1);
    expect([a, b, c].map((p) => p?.email)).toEqual([JANE.email, JANE.email, JANE.email]);

    clock.now += 2_000;
    await directory.person(JANE.id);
    expect(slack.callsTo('users.info')).toHaveLength(2);
  });

  it('remembers that Slack does not know someone, but not a lookup that failed', async () => {
    const clock = { now: 1_000_000 };
    const directory = await directoryAt(clock);

    expect(await directory.person('U0NOBODY01')).toBeUndefined();
    expect(await directory.person('U0NOBODY01')).toBeUndefined();
    expect(slack.callsTo('users.info')).toHaveLength(1);

    slack.rateLimit('users.info', 1, 0);
    await expect(directory.person(JANE.id)).rejects.toThrow();
    expect((await directory.person(JANE.id))?.name).toBe('Jane Doe');
    expect(slack.callsTo('users.info').filter((c) => c.args.user === JANE.id).map((c) => c.ok)).toEqual([false, true]);
  });
});
