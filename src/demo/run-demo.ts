import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startLocalRedis, type LocalRedis } from '../simulators/local-redis.js';
import { ACME_PRODUCTION, JANE_EMAIL } from '../simulators/ibm-cloud/index.js';
import { startLocalStack, type LocalStack } from './local-stack.js';
import { SlackPlayer } from './slack-player.js';
import { PEOPLE } from './workspace.js';

/**
 * `npm run demo`: a complete offboarding against the simulated Slack and IBM Cloud, played the
 * way Slack would play it, with IBM Cloud behaving like IBM Cloud (latency, a rate limit,
 * removals that take a moment to show).
 */
const DEADLINE_MS = 90_000;
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

    stack = await startLocalStack({ redisUrl, ibm: { latencyMs: 25, consistencyDelayMs: 1200 }, socketMode: SOCKET_MODE });
    const receiving = SOCKET_MODE ? 'Bot connected to Slack over Socket Mode' : `Bot listening on :${stack.bot.port}`;
    say(`• ${receiving}; Slack simulator ${stack.slack.apiUrl}; IBM Cloud simulator ${stack.ibm.url}`);

    const player = new SlackPlayer(stack);
    say('\n1. Morgan (manager) types /offboard and fills in the form for Jane Doe');
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
    say(`   A read-only check shows approvers what Jane holds now:${previewLine(player, id)}`);
    // One rate limit, so the demo shows a retry that honours Retry-After.
    stack.ibm.inject({ method: 'GET', path: '/v2/groups', status: 429, times: 1, retryAfterSeconds: 1 });

    say('2. Taylor (not an approver) clicks Approve');
    await player.click(PEOPLE.taylor, 'approve', id);
    const refusal = await stack.slack.waitFor(() => stack!.slack.ephemerals.find((e) => e.user === PEOPLE.taylor));
    say(`   Refused, privately: ${refusal.text}`);

    say('3. Alex (IT) clicks Approve: one revocation job per step and account is enqueued\n');
    await player.click(PEOPLE.alex, 'approve', id);

    const progress = new ChecklistPrinter(say);
    const pdfFile = await stack.slack.waitFor(
      () => {
        progress.show(checklistText(player, id));
        return stack!.slack.files.find((f) => f.filename.includes(id) && f.filename.endsWith('.pdf'));
      },
      { timeoutMs: DEADLINE_MS, intervalMs: 50 },
    );
    const final = await stack.slack.waitFor(() => {
      const text = checklistText(player, id);
      progress.show(text);
      return text?.includes('Finished') ? text : undefined;
    });

    await mkdir(OUT_DIR, { recursive: true });
    const path = resolve(OUT_DIR, pdfFile.filename);
    await writeFile(path, pdfFile.bytes);
    const stillThere = stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL);
    if (stillThere) throw new Error('Jane is still a member of Acme Production after the run');
    const failed = final.includes('failed step');
    say(`4. Evidence report uploaded to the request thread and written to:\n   ${path}`);
    say(failed ? '\nThe run finished with failures (see above).' : '\nDone: Jane Doe has no access left in either IBM Cloud account, and the read-backs prove it.');
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

function previewLine(player: SlackPlayer, id: string): string {
  const blocks = (player.approvalMessage(id)?.blocks ?? []) as { text?: { text: string } }[];
  const preview = blocks.map((b) => b.text?.text ?? '').find((t) => t.startsWith('*They hold now*') || t.startsWith(':warning:'));
  return (preview ?? '').replace('*They hold now* (read-only check):', '').replace(/\*/g, '').replace(/`/g, '').replace(/\n• /g, '\n     • ');
}

/** Prints the checklist's lines as they change, with the time since approval. */
class ChecklistPrinter {
  private readonly seen = new Set<string>();
  private readonly started = Date.now();
  private scope = '';

  constructor(private readonly say: (line: string) => void) {}

  show(text: string | undefined) {
    for (const line of text?.split('\n') ?? []) {
      if (line.startsWith('IBM Cloud')) this.scope = line.replace('IBM Cloud · account ', '').replace(/`/g, '').slice(0, 8);
      if (!/^\[/.test(line) || this.seen.has(this.scope + line)) continue;
      this.seen.add(this.scope + line);
      const at = ((Date.now() - this.started) / 1000).toFixed(1).padStart(5);
      this.say(`   ${at}s  ${line.startsWith('[done] Finished') ? '' : `account ${this.scope}…  `}${line}`);
    }
  }
}

/** The checklist message as a terminal would show it. */
function checklistText(player: SlackPlayer, id: string): string | undefined {
  const message = player.checklist(id);
  if (!message) return undefined;
  const blocks = message.blocks as { text?: { text: string }; elements?: { text: string }[] }[];
  return blocks
    .map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '')
    .join('\n')
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1')
    .replace(/<@(\w+)>/g, '@$1')
    .replace(/:white_check_mark:/g, '[done]')
    .replace(/:x:/g, '[FAILED]')
    .replace(/:hourglass_flowing_sand:/g, '[running]')
    .replace(/:arrows_counterclockwise:/g, '[retrying]')
    .replace(/:white_circle:/g, '[waiting]')
    .replace(/:clipboard: /g, '')
    .replace(/\*/g, '');
}

function fail(err: unknown): never {
  console.error(`\nDemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

void main();
