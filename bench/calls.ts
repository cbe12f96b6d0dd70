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
 * nothing. BENCH_RUNS (default 3) runs of the bot; the table shows the first, the summary the median.
 *
 *   npm run bench:calls
 */
import { Redis } from 'ioredis';
import { crowdPerson, crowdSlackUsers, crowdIbmSeed } from '../app/demo/crowd.js';
import { startLocalStack } from '../app/demo/local-stack.js';
import { SlackPlayer } from '../app/demo/slack-player.js';
import { PEOPLE } from '../app/demo/workspace.js';
import { ACME_PRODUCTION, ACME_STAGING, SIM_BOT_API_KEY, startIbmCloudSimulator } from '../src/simulators/ibm-cloud/index.js';
import type { IbmCloudSeed, RecordedRequest } from '../src/simulators/ibm-cloud/index.js';
import { startLocalRedis } from '../src/simulators/local-redis.js';
import { eventsOf, readTrail } from '../test/support/approval-helpers.js';
import { productionEnv } from './support/production-env.js';
import { sequentialScript } from './sequential-script.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IBM = { latencyMs: 50, consistencyDelayMs: 500 };
const TARGET = 1.5;
const ACCOUNTS = [ACME_PRODUCTION, ACME_STAGING];
const TOKEN_PATH = /^\/identity\/token/;

setTimeout(() => {
  console.error('bench:calls: did not finish within 9.5 minutes');
  process.exit(2);
}, 570_000).unref();

/** Acme's world plus the leaver: in each account a membership, 2 API keys, 2 static access groups, 1 direct policy. */
function world(): IbmCloudSeed {
  const seed = crowdIbmSeed(1);
  const person = crowdPerson(0);
  const at = '2024-01-02T03:04:05.000Z';
  ACCOUNTS.forEach((account, a) => {
    const key = seed.apiKeys.find((k) => k.iam_id === person.iamId && k.account_id === account)!;
    const id = `ApiKey-second${a}00-0000-4000-8000-000000000000`;
    seed.apiKeys.push({ ...key, id, name: `${person.email} second key`, crn: key.crn.replace(key.id, id) });
    const group = seed.accessGroups.find((g) => g.account_id === account && g.name === 'Crowd')!;
    seed.accessGroups.push({
      ...group,
      id: `AccessGroupId-second${a}0-0000-4000-8000-000000000000`,
      name: 'Crowd (second)',
      members: [{ iam_id: person.iamId, type: 'user', membership_type: 'static', created_at: at, created_by_id: seed.botIamId }],
    });
  });
  return seed;
}

/** `GET /v2/groups/:id/members/:id`: the operation, whatever it was asked about. */
function operation(r: RecordedRequest): string {
  const path = r.path
    .split('/')
    .map((seg) => (seg === '' || /^v\d+$/.test(seg) || /^[a-z_]+$/.test(seg) ? seg : ':id'))
    .join('/');
  return `${r.method} ${path}`;
}

function byOperation(requests: RecordedRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) if (!TOKEN_PATH.test(r.path)) counts.set(operation(r), (counts.get(operation(r)) ?? 0) + 1);
  return counts;
}
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

interface BotRun {
  preview: Map<string, number>;
  run: Map<string, number>;
  outcome: string;
  approvalToVerifiedMs: number;
}

async function botRun(redisUrl: string): Promise<BotRun> {
  const stack = await startLocalStack({ redisUrl, ibm: { ...IBM, seed: world() }, extraSlackUsers: crowdSlackUsers(1), env: productionEnv() });
  const player = new SlackPlayer(stack);
  try {
    const from = stack.ibm.requests.length;
    const id = await player.request(PEOPLE.morgan, { person: crowdPerson(0).slackUserId, reason: 'contract_end', disposition: 'delete_now', ticket: 'CALLS-1' });
    await until(async () => eventsOf(await readTrail(stack, id), 'request.previewed').length > 0, 'request.previewed');
    const approvedFrom = stack.ibm.requests.length;
    const clickedAt = Date.now();
    const click = await player.click(PEOPLE.alex, 'approve', id);
    if (click.status !== 200) throw new Error(`approve answered HTTP ${click.status}`);
    let trail = await readTrail(stack, id);
    await until(async () => eventsOf((trail = await readTrail(stack, id)), 'run.finished').length > 0, 'run.finished');
    return {
      preview: byOperation(stack.ibm.requests.slice(from, approvedFrom)),
      run: byOperation(stack.ibm.requests.slice(approvedFrom)),
      outcome: eventsOf(trail, 'run.finished')[0]!.outcome,
      approvalToVerifiedMs: Math.max(...eventsOf(trail, 'step.verified').map((e) => Date.parse(e.firstConfirmedAt))) - clickedAt,
    };
  } finally {
    await stack.stop();
  }
}

async function scriptRun(): Promise<{ removal: Map<string, number>; verification: Map<string, number>; left: number }> {
  const ibm = await startIbmCloudSimulator({ ...IBM, seed: world() });
  try {
    const script = sequentialScript({ url: ibm.url, apiKey: SIM_BOT_API_KEY, accountIds: ACCOUNTS });
    const removed = await script.remove(crowdPerson(0).email);
    const verifyFrom = ibm.requests.length;
    const removal = byOperation(ibm.requests.slice(0, verifyFrom));
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
  for (let i = 0; i < RUNS; i++) runs.push(await botRun(redisUrl));
  const first = runs[0]!;
  const ops = [...new Set([...first.preview.keys(), ...first.run.keys(), ...script.removal.keys(), ...script.verification.keys()])].sort((a, b) =>
    a.split(' ')[1]!.localeCompare(b.split(' ')[1]!) || a.localeCompare(b),
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
      outcome: r.outcome,
      'preview calls': total(r.preview),
      'run calls': total(r.run),
      'approval→verified s': (r.approvalToVerifiedMs / 1000).toFixed(2),
    })),
  );
  const bot = median(runs.map((r) => total(r.preview) + total(r.run)));
  const reference = total(script.removal) + total(script.verification);
  console.log(
    `summary: the bot made ${bot} IBM calls for one person (median of ${RUNS}; preview ${median(runs.map((r) => total(r.preview)))}, run ${median(runs.map((r) => total(r.run)))}) ` +
      `against the script's ${reference} (removal ${total(script.removal)} + one verification pass ${total(script.verification)}${script.left ? `, which still saw ${script.left} items` : ''}): ` +
      `${(bot / reference).toFixed(2)}× (target ≤ ${TARGET}×)`,
  );
} finally {
  await localRedis?.stop();
}
process.exit(0);
