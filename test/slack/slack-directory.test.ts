import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import type { ApproverSource } from '../../src/config/config.js';
import { SlackDirectory } from '../../src/slack/slack-directory.js';

const TOKEN = 'xoxb-directory-test';
const JANE = { id: 'U0JANE001', name: 'jane', realName: 'Jane Doe', email: 'jane.doe@acme.example' };
const GROUP = 'S0APPROVE';

describe('who people are, cached per process', () => {
  let slack: SlackSimulator;
  afterEach(async () => {
    await slack?.close();
  });

  async function directoryAt(clock: { now: number }, approvers: ApproverSource = { kind: 'users', ids: [] }) {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [JANE], usergroups: { [GROUP]: [JANE.id] } });
    const client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    return new SlackDirectory(client, approvers, () => clock.now);
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

  it('asks Slack once who is in the approvers group for questions within 3 s, concurrent ones included, and again after', async () => {
    const clock = { now: 1_000_000 };
    const directory = await directoryAt(clock, { kind: 'usergroup', id: GROUP });

    const [jane, ids] = await Promise.all([directory.isApprover(JANE.id), directory.approverIds()]);
    clock.now += 2_999;
    const other = await directory.isApprover('U0OTHER01');
    expect([jane, ids, other]).toEqual([true, [JANE.id], false]);
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(1);

    clock.now += 1;
    await directory.isApprover(JANE.id);
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(2);
  });

  it('does not keep a reading of a group that failed', async () => {
    const directory = await directoryAt({ now: 1_000_000 }, { kind: 'usergroup', id: GROUP });

    slack.rateLimit('usergroups.users.list', 1, 0);
    await expect(directory.isApprover(JANE.id)).rejects.toThrow();
    expect(await directory.isApprover(JANE.id)).toBe(true);
    expect(slack.callsTo('usergroups.users.list').map((c) => c.ok)).toEqual([false, true]);
  });
});
