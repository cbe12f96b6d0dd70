import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Webhook } from 'standardwebhooks';
import { resolve } from 'node:path';
import { startLocalRedis, type LocalRedis } from '../../src/simulators/local-redis.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL, LOOKALIKE_EMAIL, SIM_IAM_IDS, SIM_NHI_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { rotationCode } from '../../src/runs/handed-over.js';
import { startLocalStack, type LocalStack } from './local-stack.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { SlackPlayer } from './slack-player.js';
import { BADGE } from './world.js';
import { PEOPLE } from './workspace.js';

/**
 * `npm run demo`: the whole lifecycle against the simulated Slack and IBM Cloud, played the way
 * Slack would play it, with IBM Cloud behaving like IBM Cloud (latency, a rate limit, changes that
 * take a moment to show): one person disabled then deleted early, another reinstated.
 */
const DEADLINE_MS = 120_000;
const OUT_DIR = resolve(process.env.DEMO_OUTPUT_DIR ?? 'demo-output');
/** `npm run demo -- --socket-mode`: Slack's events reach the bot over Socket Mode instead of signed HTTP. */
const SOCKET_MODE = process.argv.includes('--socket-mode');

async function main() {
  const say = (line: string) => console.log(line);
  let redis: LocalRedis | undefined;
  let stack: LocalStack | undefined;
  const deadline = setTimeout(() => fail(new Error(`the demo did not finish within ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
  try {
    let redisUrl = process.env.REDIS_URL;
    if (!redisUrl) {
      redis = await startLocalRedis();
      redisUrl = redis.url;
      say(`• Started a throwaway redis-server at ${redisUrl}`);
    } else say(`• Using Redis at ${redisUrl}`);

    stack = await startLocalStack({
      redisUrl,
      ibm: { latencyMs: 25, consistencyDelayMs: 1200 },
      socketMode: SOCKET_MODE,
      slackScim: true,
      github: true,
      tasks: [BADGE],
      env: {
        ...DASHBOARD_LOGIN,
        // The HR system's webhook is served beside Slack's endpoint, so only over HTTP.
        ...(SOCKET_MODE ? {} : { OFFBOARD_HR_WEBHOOK_SECRET: HR_SECRET, OFFBOARD_HR_SOURCE_NAME: 'Workday' }),
      },
    });
    const receiving = SOCKET_MODE ? 'Bot connected to Slack over Socket Mode' : `Bot listening on :${stack.bot.port}`;
    say(`• ${receiving}; Slack simulator ${stack.slack.apiUrl}; IBM Cloud simulator ${stack.ibm.url}`);
    const dashboard = `http://127.0.0.1:${stack.bot.dashboardPort}/`;
    say(
      `• Queue dashboard (read-only) while the demo runs: ${dashboard} (user ${DASHBOARD_LOGIN.OFFBOARD_DASHBOARD_USER}, password ${DASHBOARD_LOGIN.OFFBOARD_DASHBOARD_PASSWORD})`,
    );
    say(
      `• Systems switched on: ${stack.config.systems.map((s) => s.module.title).join(', ')}; GitHub Enterprise (a SCIM application) and the door badge (a manual task, attested by facilities) are declared in OFFBOARD_SYSTEMS_FILE`,
    );

    const player = new SlackPlayer(stack);
    const live = stack;
    const untilFinished = async (id: string, round: number) => {
      const progress = new ChecklistPrinter(say);
      return live.slack.waitFor(
        () => {
          const text = checklistText(player, id);
          progress.show(text);
          const finished =
            (text?.match(/Finished/g) ?? []).length > 0 && live.slack.files.some((f) => f.filename.includes(`${id}${round > 1 ? `-round${round}` : ''}.pdf`));
          return finished ? text : undefined;
        },
        { timeoutMs: DEADLINE_MS, intervalMs: 50 },
      );
    };

    // Every offboarding has its door badge: facilities (Taylor) attests it once the checklist asks.
    const badgeAttested = async (requestId: string) => {
      await live.slack.waitFor(() => checklistText(player, requestId)?.includes('Waiting for attestation'), { timeoutMs: DEADLINE_MS });
      await player.task(PEOPLE.taylor, 'taskDone', requestId, BADGE_TASK);
    };

    say('\n1. Morgan (manager) types /offboard and fills in the form for Jane Doe: disable now, delete after 30 days');
    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'resignation',
      disposition: 'disable_then_delete',
      graceDays: '30',
      successor: PEOPLE.taylor,
      ticket: 'HR-2042',
      notes: 'Last day is Friday; Taylor takes over the deploy pipelines.',
    });
    say(`   Request ${id} posted to the approval channel with Approve / Reject buttons`);
    say(`   A read-only check shows approvers who she is in each system and what she holds:${previewLine(player, id)}`);
    // One rate limit, so the demo shows a retry that honours Retry-After.
    stack.ibm.inject({ method: 'GET', path: '/v2/groups', status: 429, times: 1, retryAfterSeconds: 1 });

    say('2. Taylor (not an approver) clicks Approve');
    await player.click(PEOPLE.taylor, 'approve', id);
    const refusal = await stack.slack.waitFor(() => live.slack.ephemerals.find((e) => e.user === PEOPLE.taylor));
    say(`   Refused, privately: ${refusal.text}`);

    say('3. Alex (IT) clicks Approve: access is removed now, reversibly; one job per step, account and system\n');
    await player.click(PEOPLE.alex, 'approve', id);
    const disabled = untilFinished(id, 1);
    // The door badge has no API: the run waits for facilities to attest it, holding no worker.
    await live.slack.waitFor(() => checklistText(player, id)?.includes('Waiting for attestation'), { timeoutMs: DEADLINE_MS });
    say('   The door badge is a task: the checklist waits for attestation. Chris (not in facilities) clicks Done');
    await player.task(PEOPLE.chris, 'taskDone', id, BADGE_TASK);
    say(`   Refused, privately: ${live.slack.ephemerals.filter((e) => e.user === PEOPLE.chris).at(-1)?.text}`);
    say('   Taylor (facilities) disables the badge in the access-control console and clicks Done\n');
    await player.task(PEOPLE.taylor, 'taskDone', id, BADGE_TASK);
    await disabled;
    const keys = stack.ibm.apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane);
    if (!stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL) || keys.some((k) => !k.disabled))
      throw new Error('after the disable phase Jane should still be a member, with every key disabled');
    if (stack.slack.scim!.user(PEOPLE.jane)?.active) throw new Error("Jane's Slack account should be deactivated");
    const github = stack.github!;
    if (github.directory.users.get(GITHUB_JANE)?.active !== false || teamsOf(stack, GITHUB_JANE).length)
      throw new Error("Jane's GitHub Enterprise account should be deactivated, in no team");
    say('   Jane is still a member of each account, with nothing to use: her keys are disabled, her groups, policies and');
    say('   profile links removed (each kept in the trail as a snapshot), her Slack account deactivated, her GitHub Enterprise');
    say('   account suspended and out of its teams; her door badge attested disabled by Taylor. Deletion is scheduled in 30 days.');

    say('\n   Taylor, her successor, clicks "Rotate for me" on the key of the service ID she created (ci-pipeline-key, used 30,211');
    say('   times): the bot makes a replacement on the same service ID, whose value Taylor collects in the IBM Cloud console');
    say('   (it never passes through Slack). Taylor moves the pipeline to it and clicks "Switched"');
    const keyTask = rotationCode(`ibm-cloud.${ACME_PRODUCTION}.service-id-keys`, SIM_NHI_IDS.ciPipelineKey);
    await player.rotation(PEOPLE.taylor, 'rotateForMe', id, keyTask);
    await live.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes(ACTIONS.rotationSwitched), { timeoutMs: DEADLINE_MS });
    await player.rotation(PEOPLE.taylor, 'rotationSwitched', id, keyTask);
    await live.slack.waitFor(() => checklistText(player, id)?.includes('rotated by the bot'), { timeoutMs: DEADLINE_MS });
    if (!stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)?.disabled) throw new Error('after Switched the old ci-pipeline key should be disabled');
    say('   Nothing used the old key since the replacement was made: the bot disabled it and read it back (green, "rotated by');
    say(`   the bot at Taylor's request"); it goes for good at the deletion.`);

    say('\n4. Riley (IT) clicks "End grace period now": the deletion runs at once\n');
    // As a person would: once the checklist offers the button (the request is in its grace period).
    await live.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks ?? []).includes(ACTIONS.endGrace), { timeoutMs: DEADLINE_MS });
    await player.checklistButton(PEOPLE.riley, 'endGrace', id);
    const final = await untilFinished(id, 2);
    if (stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL) || stack.ibm.apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane).length)
      throw new Error('Jane is still in Acme Production after the deletion');
    if (github.directory.users.has(GITHUB_JANE)) throw new Error('Jane still has a GitHub Enterprise account after the deletion');
    if (stack.ibm.apiKey(SIM_NHI_IDS.ciPipelineKey)) throw new Error('the rotated ci-pipeline key should be deleted with the deletion');

    say('\n5. A second request, for Chris Contractor; approved, then reinstated during the grace period');
    const before = JSON.stringify(chrisHolds(stack));
    const chris = await player.request(PEOPLE.morgan, {
      person: PEOPLE.chris,
      reason: 'contract_end',
      disposition: 'disable_then_delete',
      graceDays: '14',
      successor: PEOPLE.taylor,
      ticket: 'HR-2043',
    });
    await player.click(PEOPLE.alex, 'approve', chris);
    const chrisDisabled = untilFinished(chris, 1);
    await live.slack.waitFor(() => checklistText(player, chris)?.includes('Waiting for attestation'), { timeoutMs: DEADLINE_MS });
    say('   Chris never had a badge: Taylor clicks Not applicable and says why\n');
    await player.task(PEOPLE.taylor, 'taskNotApplicable', chris, BADGE_TASK);
    const note = live.slack.views.filter((v) => v.kind === 'open' && v.userId === PEOPLE.taylor).at(-1)!;
    await player.submitTaskNote(PEOPLE.taylor, note.id, 'Contractor working remotely: no badge was issued.');
    await chrisDisabled;
    say('   ... the contract is extended: Riley clicks Reinstate\n');
    await player.checklistButton(PEOPLE.riley, 'reinstate', chris);
    await untilFinished(chris, 2);
    if (JSON.stringify(chrisHolds(stack)) !== before) throw new Error('Chris was not restored to exactly what he held');
    say('   Chris holds exactly what he held before: groups re-added, policies re-created, keys re-enabled, Slack and GitHub reactivated.');

    say('\n6. A termination for cause, for Pat Elsewhere: under the default approval rules it takes two approvers');
    const pat = await player.request(PEOPLE.morgan, { person: PEOPLE.pat, reason: 'termination_for_cause', successor: PEOPLE.taylor, ticket: 'HR-2044' });
    await player.click(PEOPLE.alex, 'approve', pat);
    const once = await stack.slack.waitFor(() => approvalsLine(player, pat)?.includes('1 of 2') || undefined);
    if (!once) throw new Error('the first approval of a termination for cause did not wait for a second');
    say(`   Alex approves: ${approvalsLine(player, pat)}`);
    await player.click(PEOPLE.riley, 'approve', pat);
    const patDone = untilFinished(pat, 1);
    await badgeAttested(pat);
    await patDone;
    say('   Riley approves too: the second distinct approval starts the run.');
    const fromHr = SOCKET_MODE ? undefined : await hrTermination(stack, player, say);
    if (fromHr) await Promise.all([untilFinished(fromHr, 1), badgeAttested(fromHr)]);
    if (fromHr) {
      const xavier = SIM_IAM_IDS.lookalike;
      if (stack.ibm.groupsOf(ACME_PRODUCTION, xavier).length || stack.ibm.apiKeysOf(ACME_PRODUCTION, xavier).some((k) => !k.disabled))
        throw new Error('Xavier still holds access in Acme Production after the HR request ran');
      say('   Xavier holds nothing he can use in IBM Cloud (HR requests disable first; deletion follows the grace period),');
      say('   and the checklist says "no Slack account" for Slack.');
    }

    await mkdir(OUT_DIR, { recursive: true });
    const written: string[] = [];
    for (const file of stack.slack.files.filter((f) => [id, chris, fromHr].some((r) => r && f.filename.includes(r)))) {
      const path = resolve(OUT_DIR, file.filename);
      await writeFile(path, file.bytes);
      written.push(path);
    }
    const failed = final?.includes('failed step') ?? true;
    say(`\n8. Evidence packs uploaded to each request's thread and written to:\n${written.map((p) => `   ${p}`).join('\n')}`);
    say(`\n9. ${await dashboardSays(dashboard)}`);
    say(
      failed
        ? '\nThe run finished with failures (see above).'
        : '\nDone: Jane Doe has no access left in either IBM Cloud account, Slack or GitHub Enterprise, Chris has his back, and the read-backs prove both.',
    );
    clearTimeout(deadline);
    await stack.stop();
    await redis?.stop();
    process.exit(failed ? 1 : 0);
  } catch (err) {
    clearTimeout(deadline);
    await stack?.stop().catch(() => {});
    await redis?.stop().catch(() => {});
    fail(err);
  }
}

/** The queue dashboard's login in the demo: on a loopback port, printed for whoever runs it. */
const DASHBOARD_LOGIN = { OFFBOARD_DASHBOARD_PORT: '0', OFFBOARD_DASHBOARD_USER: 'demo', OFFBOARD_DASHBOARD_PASSWORD: randomBytes(12).toString('hex') };

/** What the queue dashboard lists once the demo is done: every queue, none of them offering to change a job. Throws when it does not answer so. */
async function dashboardSays(url: string): Promise<string> {
  const { OFFBOARD_DASHBOARD_USER: user, OFFBOARD_DASHBOARD_PASSWORD: password } = DASHBOARD_LOGIN;
  const res = await fetch(new URL('api/queues', url), { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
  if (!res.ok) throw new Error(`the queue dashboard answered ${res.status} to its own login`);
  const { queues } = (await res.json()) as { queues: { name: string; readOnlyMode: boolean; counts: Record<string, number> }[] };
  const writable = queues.filter((q) => !q.readOnlyMode).map((q) => q.name);
  if (!queues.length || writable.length)
    throw new Error(`the queue dashboard listed ${queues.length} queues${writable.length ? `, and offered to change jobs in ${writable.join(', ')}` : ''}`);
  const done = queues.reduce((n, q) => n + (q.counts.completed ?? 0), 0);
  return `The queue dashboard (read-only) lists ${queues.length} queues, ${done} jobs completed and kept there.`;
}

/** The HR system's Standard Webhooks secret in the demo. */
const HR_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/**
 * The HR system (Workday, say) posts a termination for a contractor who never had Slack, signed per
 * Standard Webhooks: a pending request, which Alex approves like any other. Returns its id.
 */
async function hrTermination(stack: LocalStack, player: SlackPlayer, say: (line: string) => void): Promise<string> {
  say('\n7. The HR system posts a termination for Xavier Jane-Doe, a contractor with no Slack account, to /hooks/hr');
  const body = JSON.stringify({
    type: 'employee.terminated',
    timestamp: new Date().toISOString(),
    data: { email: LOOKALIKE_EMAIL, employee_id: 'C-0917', name: 'Xavier Jane-Doe', reason: 'contract_end' },
  });
  const deliveryId = `msg_${randomBytes(8).toString('hex')}`;
  const at = new Date();
  const signature = new Webhook(HR_SECRET).sign(deliveryId, at, body);
  const res = await fetch(`http://127.0.0.1:${stack.bot.port}/hooks/hr`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': deliveryId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body,
  });
  const answer = (await res.json()) as { events?: { outcome: string; request?: string }[] };
  const id = answer.events?.[0]?.request;
  if (res.status !== 200 || !id) throw new Error(`the HR webhook was not taken: ${res.status} ${JSON.stringify(answer)}`);
  say(`   Request ${id} waits for approval, requested by "HR system (Workday)"; nothing is revoked on the webhook alone`);
  await stack.slack.waitFor(() => player.approvalMessage(id), { timeoutMs: DEADLINE_MS });
  say('   Alex clicks Approve\n');
  await player.click(PEOPLE.alex, 'approve', id);
  return id;
}

/** Jane's and Chris's accounts in the demo's GitHub Enterprise. */
const GITHUB_JANE = 'gh-jane';
/** The door-badge task's step: its system, its one scope, its one step. */
const BADGE_TASK = `${BADGE}.task.attestation`;
const GITHUB_CHRIS = 'gh-chris';

/** The GitHub Enterprise teams a user is in. */
function teamsOf(stack: LocalStack, userId: string): string[] {
  return [...stack.github!.directory.groups.values()].filter((g) => g.members.includes(userId)).map((g) => g.id);
}

/** What Chris holds, in a form that compares equal when restored (policies by content: they come back with new ids). */
function chrisHolds(stack: LocalStack) {
  const github = { githubActive: stack.github!.directory.users.get(GITHUB_CHRIS)?.active, githubTeams: teamsOf(stack, GITHUB_CHRIS).sort() };
  return [
    github,
    ...[ACME_PRODUCTION, ACME_STAGING].map((account) => ({
      keys: stack.ibm
        .apiKeysOf(account, SIM_IAM_IDS.chris)
        .map((k) => `${k.id}:${k.disabled}`)
        .sort(),
      groups: stack.ibm
        .groupsOf(account, SIM_IAM_IDS.chris)
        .map((g) => g.id)
        .sort(),
      policies: stack.ibm
        .policiesOf(account, SIM_IAM_IDS.chris)
        .map((p) => JSON.stringify([p.control, p.resource]))
        .sort(),
      links: stack.ibm
        .profilesLinkedTo(account, SIM_IAM_IDS.chris)
        .map((p) => p.id)
        .sort(),
      slackActive: stack.slack.scim?.user(PEOPLE.chris)?.active,
    })),
  ];
}

/** The approval message's line on the approvals so far, as approvers read it. */
function approvalsLine(player: SlackPlayer, id: string): string | undefined {
  const blocks = (player.approvalMessage(id)?.blocks ?? []) as { text?: { text: string } }[];
  return blocks.map((b) => b.text?.text ?? '').find((t) => t.startsWith('*Approvals*'));
}

function previewLine(player: SlackPlayer, id: string): string {
  const blocks = (player.approvalMessage(id)?.blocks ?? []) as { text?: { text: string } }[];
  const texts = blocks.map((b) => b.text?.text ?? '');
  const preview = texts.find((t) => t.startsWith('*They hold now*') || t.startsWith(':warning:'));
  // What to heed before deciding: the most-used items and the warnings, in a section of their own.
  const heed = texts.find((t) => t.startsWith('*Most used:*'));
  return [preview, heed]
    .filter(Boolean)
    .join('\n')
    .replace('*They hold now* (read-only check):', '')
    .replace(/\*/g, '')
    .replace(/`/g, '')
    .replace(/\n• /g, '\n     • ')
    .replace(/\nMost used:/, '\n   Most used:')
    .replace(/\n:warning: /g, '\n   Warning: ');
}

/** Prints the checklist's lines as they change, with the time since approval. */
class ChecklistPrinter {
  private readonly seen = new Set<string>();
  private readonly started = Date.now();
  private scope = '';

  constructor(private readonly say: (line: string) => void) {}

  show(text: string | undefined) {
    for (const line of text?.split('\n') ?? []) {
      // A heading such as "IBM Cloud · account a1b2… · removed for good" names the lines below it.
      if (!line.startsWith('[') && line.includes(' · ')) this.scope = line.replace(/`/g, '').replace(/([0-9a-f]{8})[0-9a-f]{24}/, '$1…');
      if (!/^\[/.test(line) || this.seen.has(this.scope + line)) continue;
      this.seen.add(this.scope + line);
      const at = ((Date.now() - this.started) / 1000).toFixed(1).padStart(5);
      this.say(`   ${at}s  ${/^\[\w+\] (Finished|Access removed|Reinstated)/.test(line) ? '' : `${this.scope}  `}${line}`);
    }
  }
}

/** The checklist message as a terminal would show it. */
function checklistText(player: SlackPlayer, id: string): string | undefined {
  const message = player.checklist(id);
  if (!message) return undefined;
  const blocks = message.blocks as { type: string; text?: { text: string }; elements?: { text: unknown }[] }[];
  return (
    blocks
      // Buttons are not text to print.
      .filter((b) => b.type !== 'actions')
      .map((b) => b.text?.text ?? b.elements?.map((e) => String(e.text)).join(' ') ?? '')
      .join('\n')
      .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1')
      .replace(/<@(\w+)>/g, '@$1')
      .replace(/:white_check_mark:/g, '[done]')
      .replace(/:x:/g, '[FAILED]')
      .replace(/:hourglass_flowing_sand:/g, '[running]')
      .replace(/:arrows_counterclockwise:/g, '[retrying]')
      .replace(/:white_circle:/g, '[waiting]')
      .replace(/:large_orange_circle:/g, '[RESIDUAL]')
      .replace(/:grey_question:/g, '[NOT CHECKED]')
      .replace(/:lock:/g, '[disabled]')
      .replace(/:leftwards_arrow_with_hook:/g, '[reinstated]')
      .replace(/:clipboard: /g, '')
      .replace(/\*/g, '')
  );
}

function fail(err: unknown): never {
  console.error(`\nDemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

void main();
