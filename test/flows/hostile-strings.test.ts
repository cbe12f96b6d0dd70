import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { FormAnswers } from '../../app/demo/request-form-values.js';
import { APPROVAL_CHANNEL, GENERAL_CHANNEL, PEOPLE, WORKSPACE_USERS } from '../../app/demo/workspace.js';
import { COMMAND } from '../../src/slack/blocks/ids.js';
import { ACME_PRODUCTION, defaultIbmSeed, SIM_GROUP_IDS, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import type { SlackResponse } from '../../src/simulators/slack/index.js';
import { eventsOf, eventually, finishedTrail, readTrail, rejectModalsFor, submitRejectModal } from '../support/approval-helpers.js';
import { expectSlackSafe, HOSTILE, MIXED } from '../support/hostile-text.js';
import { useStack } from '../support/stack.js';

const start = useStack();

/** Every Web API method by which the bot puts text in front of people. */
const SAYS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.open', 'views.update', 'views.push', 'views.publish']);

const ESCAPED_BROADCAST = 'ci &lt;!channel&gt; &lt;https://evil.example|Re-approve here&gt;';

/**
 * Jane's IBM Cloud keys (one with a lone surrogate, one that broadcasts) and every access group
 * (named with `suffix`) named by an attacker.
 */
function hostileIbmSeed({ keys = true, groups = true, suffix = MIXED } = {}) {
  const seed = defaultIbmSeed();
  const [first, second] = seed.apiKeys.filter((k) => k.iam_id === SIM_IAM_IDS.jane && k.account_id === ACME_PRODUCTION);
  if (keys) {
    first!.name = HOSTILE.loneSurrogate;
    second!.name = HOSTILE.broadcast;
  }
  if (groups) for (const g of seed.accessGroups) g.name = `${g.name} ${suffix}`;
  return { seed, loneKey: first!.id, broadcastKey: second!.id };
}

/** The person leaving, the requester and the successor, with names chosen to break things. */
const hostileName = (who: string) => `${who} ${MIXED} ${HOSTILE.long}`;
const HOSTILE_PEOPLE = WORKSPACE_USERS.filter((u) => [PEOPLE.jane, PEOPLE.morgan, PEOPLE.taylor, PEOPLE.chris].includes(u.id as never)).map((u) => ({
  ...u,
  realName: hostileName(u.realName),
}));

/** Everything the bot said in Slack: Web API calls, answers to response URLs and its HTTP answers to Slack. */
function everythingSaid(stack: LocalStack, answers: SlackResponse[]): [string, unknown][] {
  return [
    ...stack.slack.calls.filter((c) => SAYS.has(c.method)).map((c, i): [string, unknown] => [`${c.method} #${i}`, c.args]),
    ...stack.slack.responses.map((r, i): [string, unknown] => [`response_url #${i}`, r]),
    ...answers.filter((a) => a.json !== undefined).map((a, i): [string, unknown] => [`HTTP answer #${i}`, a.json]),
  ];
}

describe('a lone surrogate in an IBM Cloud key name', () => {
  it('no longer stops the preview or the API-keys step: the key is listed with U+FFFD and disabled, and the step is verified', async () => {
    const { seed, loneKey } = hostileIbmSeed({ groups: false });
    const { stack, player } = await start({ ibm: { seed } });

    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'resignation',
      disposition: 'disable_then_delete',
      graceDays: '30',
      successor: PEOPLE.taylor,
      ticket: 'HR-1',
    });
    const previewed = eventsOf(await readTrail(stack, id), 'request.previewed')[0]!;
    expect(previewed.items.flatMap((i) => i.found).find((f) => f.id === loneKey)?.label).toBe('backdoor \ufffd');

    await player.click(PEOPLE.alex, 'approve', id);
    const trail = await finishedTrail(stack, id);
    const keysStep = `ibm-cloud.${ACME_PRODUCTION}.api-keys`;
    expect(eventsOf(trail, 'step.verified').map((e) => e.stepId)).toContain(keysStep);
    expect(eventsOf(trail, 'step.failed')).toEqual([]);
    expect(stack.ibm.apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane).find((k) => k.id === loneKey)?.disabled).toBe(true);
  });
});

describe('Slack markup in IBM Cloud and Slack names', () => {
  it('a group named to broadcast is escaped in the re-scan alert, and a Slack name in the DMs and the approval fallback text', async () => {
    const { seed } = hostileIbmSeed({ groups: true, keys: false, suffix: HOSTILE.broadcast });
    const people = WORKSPACE_USERS.filter((u) => u.id === PEOPLE.jane).map((u) => ({ ...u, realName: `${u.realName} ${HOSTILE.broadcast}` }));
    const { stack, player } = await start({ ibm: { seed }, slackScim: true, extraSlackUsers: people, env: { OFFBOARD_RESCAN_AFTER: '2s' } });

    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'resignation',
      disposition: 'disable_then_delete',
      graceDays: '30',
      successor: PEOPLE.taylor,
      ticket: 'HR-2',
    });
    expect(player.approvalMessage(id)!.text).toBe(`Offboarding request ${id} for Jane Doe ${ESCAPED_BROADCAST}: approval needed`);
    await player.click(PEOPLE.alex, 'approve', id);
    await finishedTrail(stack, id);
    stack.ibm.addToGroup(SIM_GROUP_IDS.prodDevelopers, SIM_IAM_IDS.jane);

    const alert = await stack.slack.waitFor(
      () => stack.slack.calls.find((c) => c.method === 'chat.postMessage' && String(c.args.text).includes('Access came back')),
      { timeoutMs: 20_000 },
    );
    expect(alert.args.text).toContain(`*Access came back for Jane Doe ${ESCAPED_BROADCAST}*`);
    expect(alert.args.text).toContain(`Developers ${ESCAPED_BROADCAST} (`);
    const dms = await eventually(
      async () => {
        const sent = stack.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === PEOPLE.morgan);
        return sent.length >= 3 ? sent : undefined;
      },
      15_000,
      'three DMs to the requester',
    );
    for (const dm of dms) expect(dm.args.text).toContain(`Jane Doe ${ESCAPED_BROADCAST}`);
  });
});

describe('every message the bot sends, with outside text from IBM Cloud, SCIM and Slack at its worst', () => {
  it('a key named with a lone surrogate is previewed and disabled; every message of the run, the DMs and the re-scan alert show hostile names escaped', async () => {
    const { seed, loneKey, broadcastKey } = hostileIbmSeed();
    const { stack, player } = await start({ ibm: { seed }, slackScim: true, extraSlackUsers: HOSTILE_PEOPLE, env: { OFFBOARD_RESCAN_AFTER: '2s' } });
    const answers: SlackResponse[] = [];
    const janeLeaves: FormAnswers = {
      person: PEOPLE.jane,
      reason: 'resignation',
      disposition: 'disable_then_delete',
      graceDays: '30',
      successor: PEOPLE.taylor,
      ticket: `HR-<!channel>&`,
      notes: MIXED,
    };

    const submitted = await player.submitForm(PEOPLE.morgan, janeLeaves);
    answers.push(submitted);
    expect(submitted.status).toBe(200);
    const approval = await stack.slack.waitFor(() => stack.slack.messages(APPROVAL_CHANNEL)[0]);
    const id = /OFF-[0-9A-Z]{6}/.exec(approval.text)![0];
    // The preview finishes, and names both keys.
    await stack.slack.waitFor(() => !JSON.stringify(player.approvalMessage(id)?.blocks).includes('Checking what they hold'), { timeoutMs: 15_000 });
    const previewed = eventsOf(await readTrail(stack, id), 'request.previewed')[0]!;
    const keys = previewed.items.flatMap((i) => i.found).filter((f) => f.id === loneKey || f.id === broadcastKey);
    expect(keys.map((k) => k.label).sort()).toEqual(['backdoor \ufffd', HOSTILE.broadcast].sort());

    answers.push(await player.click(PEOPLE.alex, 'approve', id));
    const trail = await finishedTrail(stack, id);
    const keysStep = `ibm-cloud.${ACME_PRODUCTION}.api-keys`;
    expect(eventsOf(trail, 'step.verified').map((e) => e.stepId)).toContain(keysStep);
    expect(eventsOf(trail, 'step.failed').filter((e) => e.stepId === keysStep)).toEqual([]);
    expect(
      stack.ibm
        .apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane)
        .filter((k) => k.id === loneKey || k.id === broadcastKey)
        .map((k) => k.disabled),
    ).toEqual([true, true]);

    // Access comes back through a group whose name broadcasts: the re-scan alert names it, escaped.
    stack.ibm.addToGroup(SIM_GROUP_IDS.prodDevelopers, SIM_IAM_IDS.jane);
    const alert = await stack.slack.waitFor(
      () => stack.slack.calls.find((c) => c.method === 'chat.postMessage' && String(c.args.text).includes('Access came back')),
      { timeoutMs: 20_000 },
    );
    expect(alert.args.text).toContain('&lt;!channel&gt; &lt;https://evil.example|Re-approve here&gt;');

    // The requester's direct messages (waiting, approved, finished) name Jane escaped.
    const dms = await eventually(
      async () => {
        const sent = stack.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === PEOPLE.morgan);
        return sent.length >= 3 ? sent : undefined;
      },
      15_000,
      'three DMs to the requester',
    );
    for (const dm of dms) expect(dm.args.text).toContain('Jane Doe ci &lt;!channel&gt;');

    // What the requester typed is stored well-formed, and shown escaped (checked below with everything else).
    const submittedEvent = eventsOf(await readTrail(stack, id), 'request.submitted')[0]!;
    expect(submittedEvent.request.notes).toBe(MIXED.toWellFormed());
    expect(submittedEvent.request.subject.name).toBe(hostileName('Jane Doe').slice(0, 200).toWellFormed());

    const said = everythingSaid(stack, answers);
    expect(said.length).toBeGreaterThan(8);
    for (const [where, message] of said) expectSlackSafe(where, message);
  });

  it('/offboard followed by markup that is no person is echoed back escaped', async () => {
    const { stack } = await start();
    const res = await stack.events.slashCommand({
      command: COMMAND,
      text: `${HOSTILE.broadcast} ${HOSTILE.loneSurrogate}`,
      userId: PEOPLE.morgan,
      channelId: GENERAL_CHANNEL,
    });

    expect(res.status).toBe(200);
    expect((res.json as { text: string }).text).toContain(`I could not read "${ESCAPED_BROADCAST} backdoor \ufffd"`);
    expectSlackSafe('the answer to /offboard', res.json);
    expect(stack.slack.callsTo('views.open')).toEqual([]);
  });

  it('a request rejected with a hostile reason, for a person with a hostile name, tells the requester escaped', async () => {
    const { stack, player } = await start({ extraSlackUsers: HOSTILE_PEOPLE });
    const answers: SlackResponse[] = [];
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.chris, reason: 'termination', ticket: 'HR-9' });

    answers.push(await player.click(PEOPLE.alex, 'reject', id));
    const modal = await stack.slack.waitFor(() => rejectModalsFor(stack, PEOPLE.alex)[0]);
    answers.push(await submitRejectModal(stack, PEOPLE.alex, modal.id, `${HOSTILE.broadcast} ${HOSTILE.loneSurrogate}`));

    const dm = await stack.slack.waitFor(() =>
      stack.slack.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === PEOPLE.morgan && String(c.args.text).includes('was rejected')),
    );
    expect(dm.args.text).toContain('Chris Contractor ci &lt;!channel&gt;');
    expect(dm.args.text).toContain(': ci &lt;!channel&gt; &lt;https://evil.example|Re-approve here&gt; backdoor \ufffd');
    for (const [where, message] of everythingSaid(stack, answers)) expectSlackSafe(where, message);
  });
});

describe('a refusal that names a person with markup in their name', () => {
  it('is kept in the trail as it was said, and told to the clicker escaped', async () => {
    const alex = WORKSPACE_USERS.filter((u) => u.id === PEOPLE.alex).map((u) => ({ ...u, realName: `Alex ${HOSTILE.broadcast} & co` }));
    const { stack, player } = await start({ extraSlackUsers: alex });
    const answers: SlackResponse[] = [];
    // Alex owns the bot's credentials: his offboarding is refused, naming him and what to do first.
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.alex, reason: 'resignation', ticket: 'HR-10' });

    answers.push(await player.click(PEOPLE.riley, 'approve', id));

    const [refused] = eventsOf(await readTrail(stack, id), 'approval.refused');
    expect(refused?.reason).toContain(`Alex ${HOSTILE.broadcast} & co`);
    const told = await stack.slack.waitFor(() => stack.slack.ephemerals.find((e) => e.user === PEOPLE.riley));
    expect(told.text).toContain(`Alex ${ESCAPED_BROADCAST} &amp; co`);
    for (const [where, message] of everythingSaid(stack, answers)) expectSlackSafe(where, message);
  });
});
