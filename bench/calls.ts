/**
 * IBM calls per person, by operation, for the bot and for a careful script (issue 17, target 1).
 *
 * The world: one person in both of Acme's accounts, each account holding their membership, 2 API
 * keys, 2 static access groups and 1 direct policy (beside Acme's default world, whose service IDs,
 * profiles and the rest the bot's account-wide listings read too). IBM Cloud answers each call after
 * 50 ms and shows a change 500 ms after it is made. The bot runs at its production defaults
 * (`OFFBOARD_ROLE=all`, one process) and "Delete now": everything it calls from the form's submission
 * (the preview) to the run's end (identification, steps, read-backs) is counted. Beside it, the
 * sequential script (bench/sequential-script.ts) against a fresh simulator of the same world: its
 * removal, then, once the consistency delay has passed, ONE verification pass. Prints the calls per
 * operation (method and path, ids replaced by `:id`) side by side and a `summary:` line; asserts
 * nothing. BENCH_RUNS (default 3) runs of a bot just started, and as many of one that offboarded
 * someone else first (warm: it has learned how long IBM takes to show a change), and as many of a
 * bot restarted on the Redis of one that offboarded someone (it takes up what that one learned);
 * the table shows the first warm run by operation, the summary the medians.
 *
 *   npm run bench:calls
 */
import { randomBytes } from 'node:crypto';
import { crowdPerson, crowdSlackUsers, crowdIbmSeed } from '../app/demo/crowd.js';
import { startLocalStack, type LocalStack } from '../app/demo/local-stack.js';
import { SlackPlayer } from '../app/demo/slack-player.js';
import { PEOPLE } from '../app/demo/workspace.js';
import { LISTING_MAX_AGE_MS } from '../src/connectors/ibm-cloud/ibm-cloud-client.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_BOT_API_KEY, startIbmCloudSimulator } from '../src/simulators/ibm-cloud/index.js';
import type { IbmCloudSeed, RecordedRequest } from '../src/simulators/ibm-cloud/index.js';
import { startLocalRedis } from '../src/simulators/local-redis.js';
import { eventsOf, readTrail } from '../test/support/approval-helpers.js';
import { byOperation, operation } from './support/operations.js';
import { productionEnv } from './support/production-env.js';
import { sequentialScript } from './sequential-script.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IBM = { latencyMs: 50, consistencyDelayMs: 500 };
const TARGET = 1.5;
const ACCOUNTS = [ACME_PRODUCTION, ACME_STAGING];

setTimeout(() => {
  console.error('bench:calls: did not finish within 9.5 minutes');
  process.exit(2);
}, 570_000).unref();

/** Acme's world plus two leavers (the second offboarded first, to warm the bot up): in each account a membership, 2 API keys, 2 static access groups, 1 direct policy. */
function world(): IbmCloudSeed {
  const seed = crowdIbmSeed(2);
  const at = '2024-01-02T03:04:05.000Z';
  ACCOUNTS.forEach((account, a) => {
    const group = seed.accessGroups.find((g) => g.account_id === account && g.name === 'Crowd')!;
    seed.accessGroups.push({ ...group, id: `AccessGroupId-second${a}0-0000-4000-8000-000000000000`, name: 'Crowd (second)', members: [] });
    const second = seed.accessGroups.at(-1)!;
    for (const person of [crowdPerson(0), crowdPerson(1)]) {
      const key = seed.apiKeys.find((k) => k.iam_id === person.iamId && k.account_id === account)!;
      const id = key.id.replace('ApiKey-', 'ApiKey-2nd');
      seed.apiKeys.push({ ...key, id, name: `${person.email} second key`, crn: key.crn.replace(key.id, id) });
      second.members.push({ iam_id: person.iamId, type: 'user', membership_type: 'static', created_at: at, created_by_id: seed.botIamId });
    }
  });
  return seed;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * The work the script does too: finding the person's user records, their own API keys, their static
 * groups, their direct policies and their membership, each removed and read back. By method, path
 * and the filter that tells a user's keys from a service ID's and the person's groups from their rule-based ones alone.
 * Everything else the bot asks (the preview, rule-based groups, trusted profile links, what the
 * person created, the bot's own key) is work the script does not do.
 */
function scriptsWork(r: RecordedRequest): boolean {
  const op = operation(r);
  if (/^(GET|DELETE) \/v2\/accounts\/:id\/users(\/:id)?$/.test(op)) return true;
  // The listing of every key of the account finds the person's keys as the script's (`type=user`) does; a service ID's are not theirs.
  if (op === 'GET /v1/apikeys') return r.query.type !== 'serviceid';
  if (/^(GET|DELETE) \/v1\/apikeys\/:id$/.test(op)) return true;
  // Every group they are in (`all`) is their static groups while none has rules; `dynamic` is rule-based alone.
  if (op === 'GET /v2/groups') return r.query.membership_type !== 'dynamic';
  if (op.startsWith('DELETE /v2/groups/')) return true;
  return /^(GET \/v2\/policies|DELETE \/v2\/policies\/:id)$/.test(op);
}

type Kind = 'just started' | 'restarted' | 'warm';

interface BotRun {
  kind: Kind;
  warm: boolean;
  preview: Map<string, number>;
  run: Map<string, number>;
  /** The run's calls for the script's own work (`scriptsWork`): removal and read-backs. */
  runLikeScript: number;
  outcome: string;
  approvalToVerifiedMs: number;
  /** Steps that changed something and were verified by read-backs: how many, and how many by their first. */
  readBacks: { steps: number; firstTry: number };
}

/**
 * One person offboarded by a bot just started, by one that has offboarded someone else first
 * (`warm`): it has seen how long IBM takes to show a change, as a bot running for a while has, or by
 * one `restarted` on the Redis of a bot that offboarded someone (what the worker processes learned
 * is kept there). Before the measured person the warm bot waits out the age a shared listing may
 * have (LISTING_MAX_AGE_MS), so nothing read for the first person is shared with the second; a
 * restarted bot shares no listing with the one before.
 */
async function botRun(redisUrl: string, kind: Kind): Promise<BotRun> {
  const warm = kind === 'warm';
  const prefix = `offboard-calls-${randomBytes(4).toString('hex')}`;
  const start = () => startLocalStack({ redisUrl, prefix, ibm: { ...IBM, seed: world() }, extraSlackUsers: crowdSlackUsers(2), env: productionEnv() });
  if (kind === 'restarted') {
    const before = await start();
    try {
      await offboardFirst(before);
    } finally {
      await before.stop();
    }
  }
  const stack = await start();
  const player = new SlackPlayer(stack);
  try {
    if (warm) {
      await offboardFirst(stack);
      await new Promise((r) => setTimeout(r, LISTING_MAX_AGE_MS + 1000));
    }
    const from = stack.ibm.requests.length;
    const id = await requested(stack, player, 0);
    const approvedFrom = stack.ibm.requests.length;
    const clickedAt = Date.now();
    const click = await player.click(PEOPLE.alex, 'approve', id);
    if (click.status !== 200) throw new Error(`approve answered HTTP ${click.status}`);
    await finished(stack, id);
    const trail = await readTrail(stack, id);
    return {
      kind,
      warm,
      preview: byOperation(stack.ibm.requests.slice(from, approvedFrom)),
      run: byOperation(stack.ibm.requests.slice(approvedFrom)),
      runLikeScript: stack.ibm.requests.slice(approvedFrom).filter(scriptsWork).length,
      outcome: eventsOf(trail, 'run.finished')[0]!.outcome,
      approvalToVerifiedMs: Math.max(...eventsOf(trail, 'step.verified').map((e) => Date.parse(e.firstConfirmedAt))) - clickedAt,
      readBacks: firstTries(trail),
    };
  } finally {
    await stack.stop();
  }
}

/** The request about `person` (crowd index), once the preview has been made. */
async function requested(stack: LocalStack, player: SlackPlayer, person: number): Promise<string> {
  const id = await player.request(PEOPLE.morgan, {
    person: crowdPerson(person).slackUserId,
    reason: 'contract_end',
    disposition: 'delete_now',
    ticket: `CALLS-${person}`,
  });
  await until(async () => eventsOf(await readTrail(stack, id), 'request.previewed').length > 0, 'request.previewed');
  return id;
}

const finished = (stack: LocalStack, id: string) => until(async () => eventsOf(await readTrail(stack, id), 'run.finished').length > 0, 'run.finished');

/** The bot offboards the other leaver (person 1) from request to the end of the run. */
async function offboardFirst(stack: LocalStack): Promise<void> {
  const player = new SlackPlayer(stack);
  const id = await requested(stack, player, 1);
  await player.click(PEOPLE.alex, 'approve', id);
  await finished(stack, id);
}

/** Of the steps that changed something, how many were verified by a read-back and how many by their first one (the rest read back too early first). */
function firstTries(trail: Awaited<ReturnType<typeof readTrail>>): { steps: number; firstTry: number } {
  const acted = new Set(eventsOf(trail, 'step.acting').map((e) => e.stepId));
  const verified = eventsOf(trail, 'step.verified').filter((e) => acted.has(e.stepId) && e.by !== 'listing');
  return { steps: verified.length, firstTry: verified.filter((e) => e.checks === 1).length };
}

async function scriptRun(): Promise<{ removal: Map<string, number>; verification: Map<string, number>; left: number }> {
  const ibm = await startIbmCloudSimulator({ ...IBM, seed: world() });
  try {
    const script = sequentialScript({ url: ibm.url, apiKey: SIM_BOT_API_KEY, accountIds: ACCOUNTS });
    const removed = await script.remove(crowdPerson(0).email);
    const removal = byOperation(ibm.requests);
    await new Promise((r) => setTimeout(r, IBM.consistencyDelayMs + 50));
    const passFrom = ibm.requests.length;
    const left = await script.verify(removed);
    return { removal, verification: byOperation(ibm.requests.slice(passFrom)), left };
  } finally {
    await ibm.close();
  }
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

const localRedis = process.env.REDIS_URL ? undefined : await startLocalRedis();
const redisUrl = process.env.REDIS_URL ?? localRedis!.url;
try {
  const script = await scriptRun();
  const runs: BotRun[] = [];
  for (const kind of ['just started', 'restarted', 'warm'] as const) for (let i = 0; i < RUNS; i++) runs.push(await botRun(redisUrl, kind));
  const cold = runs.filter((r) => r.kind === 'just started');
  const restarted = runs.filter((r) => r.kind === 'restarted');
  const warm = runs.filter((r) => r.warm);
  const first = warm[0]!;
  const ops = [...new Set([...first.preview.keys(), ...first.run.keys(), ...script.removal.keys(), ...script.verification.keys()])].sort(
    (a, b) => a.split(' ')[1]!.localeCompare(b.split(' ')[1]!) || a.localeCompare(b),
  );
  console.log(
    `IBM Cloud: ${IBM.latencyMs} ms per call, ${IBM.consistencyDelayMs} ms consistency delay; one person in 2 accounts (each: membership, 2 API keys, 2 static groups, 1 policy); bot at production defaults, "Delete now"`,
  );
  const row = (op: string) => ({
    operation: op,
    'bot: preview': first.preview.get(op) ?? 0,
    'bot: run': first.run.get(op) ?? 0,
    'bot: total': (first.preview.get(op) ?? 0) + (first.run.get(op) ?? 0),
    'script: removal': script.removal.get(op) ?? 0,
    'script: 1 verification': script.verification.get(op) ?? 0,
  });
  console.table([
    ...ops.map(row),
    {
      operation: 'total',
      'bot: preview': total(first.preview),
      'bot: run': total(first.run),
      'bot: total': total(first.preview) + total(first.run),
      'script: removal': total(script.removal),
      'script: 1 verification': total(script.verification),
    },
  ]);
  console.table(
    runs.map((r, i) => ({
      run: i + 1,
      bot: r.kind === 'warm' ? 'warm (offboarded someone first)' : r.kind === 'restarted' ? 'restarted (Redis of one that did)' : 'just started',
      outcome: r.outcome,
      'preview calls': total(r.preview),
      'run calls': total(r.run),
      "of them the script's work": r.runLikeScript,
      'approval→verified s': (r.approvalToVerifiedMs / 1000).toFixed(2),
      'changed steps verified by their first read-back': `${r.readBacks.firstTry} of ${r.readBacks.steps}`,
    })),
  );
  const sum = (rs: BotRun[], k: 'steps' | 'firstTry') => rs.reduce((n, r) => n + r.readBacks[k], 0);
  console.log(
    `read-backs once warm: ${sum(warm, 'firstTry')} of ${sum(warm, 'steps')} changed steps verified by their first read-back; ` +
      `the others' first came before IBM showed the change (ReadBackDelays aims at about 1 in 5)`,
  );
  const calls = (rs: BotRun[]) => median(rs.map((r) => total(r.preview) + total(r.run)));
  const reference = total(script.removal) + total(script.verification);
  const like = (rs: BotRun[]) => median(rs.map((r) => r.runLikeScript));
  const other = (rs: BotRun[]) => median(rs.map((r) => total(r.run) - r.runLikeScript));
  console.log(
    `like for like (the script's operations: user records, their API keys, static groups, policies, membership; removal and read-backs): ` +
      `the bot's run made ${like(warm)} warm (${(like(warm) / reference).toFixed(2)}×), ${like(cold)} just started (${(like(cold) / reference).toFixed(2)}×), against the script's ${reference}; ` +
      `the rest is work the script does not do: the preview (${median(warm.map((r) => total(r.preview)))} warm) and the run's other steps (${other(warm)} warm, ${other(cold)} just started: ` +
      `rule-based groups, trusted profile links, what the person created, the bot's own key)`,
  );
  console.log(
    `summary: the bot made ${calls(warm)} IBM calls for one person (median of ${RUNS} warm runs; preview ${median(warm.map((r) => total(r.preview)))}, run ${median(warm.map((r) => total(r.run)))}; ` +
      `${calls(cold)} just started, ${calls(restarted)} restarted on the Redis of a bot that offboarded someone, ${sum(restarted, 'firstTry')} of ${sum(restarted, 'steps')} first read-backs confirming) against the script's ${reference} (removal ${total(script.removal)} + one verification pass ${total(script.verification)}${script.left ? `, which still saw ${script.left} items` : ''}): ` +
      `${(calls(warm) / reference).toFixed(2)}× warm, ${(calls(cold) / reference).toFixed(2)}× just started (target ≤ ${TARGET}×)`,
  );
} finally {
  await localRedis?.stop();
}
process.exit(0);
