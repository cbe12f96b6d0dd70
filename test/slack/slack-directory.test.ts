import { randomUUID } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Keys } from '../../src/redis.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import type { ApproverSource } from '../../src/config/config.js';
import { SlackDirectory } from '../../src/slack/slack-directory.js';

const TOKEN = 'xoxb-directory-test';
const JANE = { id: 'U0JANE001', name: 'jane', realName: 'Jane Doe', email: 'jane.doe@acme.example' };
const GROUP = 'S0APPROVE';

describe('who people are, cached per process', () => {
  let slack: SlackSimulator;
  let redis: Redis | undefined;
  afterEach(async () => {
    await slack?.close();
    await redis?.quit();
    redis = undefined;
  });

  async function directoryAt(clock: { now: number }, approvers: ApproverSource = { kind: 'users', ids: [] }) {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [JANE], usergroups: { [GROUP]: [JANE.id] } });
    const client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    return new SlackDirectory(client, approvers, { now: () => clock.now });
  }

  /** Directories as separate processes of the bot hold them: each its own memory, one Redis between them. */
  const keys = new Keys(`dir-test-${randomUUID()}`);
  async function processesSharing(clock: { now: number }, count: number) {
    slack = await startSlackSimulator({ botToken: TOKEN, users: [JANE] });
    redis = new Redis(inject('redisUrl'));
    await redis.del(keys.slackPerson(JANE.id), keys.slackPerson('U0NOBODY01'));
    return Array.from({ length: count }, () => {
      const client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
      return new SlackDirectory(client, { kind: 'users', ids: [] }, { shared: { redis: redis!, keys }, now: () => clock.now });
    });
  }

  it('a person one process looked up is known to the others without asking Slack again, for ten minutes', async () => {
    const clock = { now: Date.now() };
    const [web, worker, another] = await processesSharing(clock, 3);

    const first = await web!.person(JANE.id);
    clock.now += 9 * 60_000;
    const second = await worker!.person(JANE.id);
    expect(slack.callsTo('users.info')).toHaveLength(1);
    expect(second).toEqual(first);
    expect(second?.email).toBe(JANE.email);

    clock.now += 61_000;
    await another!.person(JANE.id);
    expect(slack.callsTo('users.info')).toHaveLength(2);
  });

  it('shares that Slack does not know someone, but never a lookup that failed', async () => {
    const clock = { now: Date.now() };
    const [web, worker] = await processesSharing(clock, 2);

    expect(await web!.person('U0NOBODY01')).toBeUndefined();
    expect(await worker!.person('U0NOBODY01')).toBeUndefined();
    expect(slack.callsTo('users.info')).toHaveLength(1);

    slack.rateLimit('users.info', 1, 0);
    await expect(web!.person(JANE.id)).rejects.toThrow();
    expect((await worker!.person(JANE.id))?.name).toBe('Jane Doe');
    expect(
      slack
        .callsTo('users.info')
        .filter((c) => c.args.user === JANE.id)
        .map((c) => c.ok),
    ).toEqual([false, true]);
  });

  it('an answer in Redis that is not one it wrote is ignored and Slack is asked', async () => {
    const clock = { now: Date.now() };
    const [web] = await processesSharing(clock, 1);
    await redis!.set(keys.slackPerson(JANE.id), '{"person":{"id":"U0JANE001","name":"Mallory"}');

    expect((await web!.person(JANE.id))?.name).toBe('Jane Doe');
    expect(slack.callsTo('users.info')).toHaveLength(1);
  });

  it('asks Slack once for lookups within ten minutes, concurrent ones included, and again after them', async () => {
    const clock = { now: 1_000_000 };
    const directory = await directoryAt(clock);

    const [a, b] = await Promise.all([directory.person(JANE.id), directory.person(JANE.id)]);
    clock.now += 599_000;
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
    expect(
      slack
        .callsTo('users.info')
        .filter((c) => c.args.user === JANE.id)
        .map((c) => c.ok),
    ).toEqual([false, true]);
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

describe('what makes offboarding someone privileged, read from Slack', () => {
  let slack: SlackSimulator | undefined;
  afterEach(async () => {
    await slack?.close();
    slack = undefined;
  });

  it('names an approver, a compliance member, a workspace admin and an owner; nobody else', async () => {
    const users = [
      { id: 'U0APPROV1', name: 'ann', realName: 'Ann Approver' },
      { id: 'U0COMPLI1', name: 'cal', realName: 'Cal Compliance' },
      { id: 'U0ADMIN01', name: 'ada', realName: 'Ada Admin', isAdmin: true },
      { id: 'U0OWNER01', name: 'oli', realName: 'Oli Owner', isOwner: true },
      { id: 'U0PLAIN01', name: 'pia', realName: 'Pia Plain' },
    ];
    slack = await startSlackSimulator({ botToken: TOKEN, users, usergroups: { S0COMPLY: ['U0COMPLI1'] } });
    const client = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const directory = new SlackDirectory(client, { kind: 'users', ids: ['U0APPROV1'] }, { compliance: { kind: 'usergroup', id: 'S0COMPLY' } });

    expect(await directory.privilegesOf('U0APPROV1')).toEqual([{ kind: 'approver' }]);
    expect(await directory.privilegesOf('U0COMPLI1')).toEqual([{ kind: 'compliance' }]);
    expect(await directory.privilegesOf('U0ADMIN01')).toEqual([{ kind: 'workspace_admin' }]);
    expect(await directory.privilegesOf('U0OWNER01')).toEqual([{ kind: 'workspace_owner' }]);
    expect(await directory.privilegesOf('U0PLAIN01')).toEqual([]);
  });
});
