import { Redis } from 'ioredis';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { Keys } from '../../src/redis.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { eventsOf, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const ANSWERS = { person: PEOPLE.jane, reason: 'resignation' as const, successor: PEOPLE.taylor, ticket: 'HR-1042', disposition: 'delete_now' as const };

type Entries = [string, string[]][];

/**
 * Rewrites the trail as someone with write access to Redis could: the stream made again with the
 * entries edited, dropped or moved (ids kept increasing). The head kept beside the stream is left as it was.
 */
async function rewriteTrail(stack: LocalStack, requestId: string, edit: (entries: Entries) => Entries): Promise<void> {
  const redis = new Redis(stack.config.redisUrl);
  try {
    const key = new Keys(stack.config.redisPrefix).audit(requestId);
    const entries = (await redis.xrange(key, '-', '+')) as Entries;
    const forged = edit(entries);
    expect(JSON.stringify(forged)).not.toBe(JSON.stringify(entries));
    await redis.del(key);
    let ms = 1;
    for (const [, fields] of forged) await redis.xadd(key, `${ms++}-0`, ...fields);
  } finally {
    await redis.quit();
  }
}

const at = (entries: Entries, type: string) => entries.findIndex(([, fields]) => fields.some((f) => f.includes(`"type":"${type}"`)));
const EDITS: [string, string, (entries: Entries) => Entries][] = [
  [
    'the approver rewritten',
    'changed',
    (e) =>
      e.map(([seq, fields], i): [string, string[]] => [
        seq,
        i === at(e, 'request.approved') ? fields.map((f) => f.replace(`"actor":"${PEOPLE.alex}"`, `"actor":"${PEOPLE.riley}"`)) : fields,
      ]),
  ],
  ['the preview deleted', 'removed', (e) => e.filter((_, i) => i !== at(e, 'request.previewed'))],
  [
    'the approval moved before the preview',
    'reordered',
    (e) => {
      const [preview, approval] = [at(e, 'request.previewed'), at(e, 'request.approved')];
      return e.map((x, i) => (i === preview ? e[approval]! : i === approval ? e[preview]! : x));
    },
  ],
];

const alertsAbout = (stack: LocalStack, requestId: string) =>
  stack.slack.callsTo('chat.postMessage').filter((c) => c.ok && String(c.args.text).includes(`The audit trail of ${requestId} is broken`));

describe('an audit trail altered in Redis', () => {
  it.each(EDITS)(
    'with %s, is caught before the next pack: its cover says the trail is broken, the thread and the approval channel are alerted once, and the checklist shows it',
    async (_what, kind, edit) => {
      // Every upload of the first pack fails, so the next pack is rendered after the trail is altered.
      const started = await start({ env: { OFFBOARD_JOB_ATTEMPTS: '2', OFFBOARD_EVIDENCE_IN_THREAD: 'true' } });
      const { stack, player } = started;
      const id = await player.request(PEOPLE.morgan, ANSWERS);
      stack.slack.rateLimit('files.getUploadURLExternal', 2, 1);
      await player.click(PEOPLE.alex, 'approve', id);
      const checklistText = () => JSON.stringify(player.checklist(id)?.blocks ?? []);
      await stack.slack.waitFor(() => checklistText().includes('Generate report') || undefined, { timeoutMs: 30_000 });

      await rewriteTrail(stack, id, edit);
      const checklist = player.checklist(id)!;
      await stack.events.blockAction({
        userId: PEOPLE.alex,
        actionId: ACTIONS.generateReport,
        blockId: `checklist.${id}`,
        value: id,
        channel: APPROVAL_CHANNEL,
        messageTs: checklist.ts,
      });
      const pdf = await player.evidence(id, 30_000);
      const cover = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: false })).text[0]!;
      await stack.slack.waitFor(() => alertsAbout(stack, id).length === 1 || undefined);
      await stack.slack.waitFor(() => checklistText().includes('The audit trail is broken') || undefined);

      expect(cover).toContain('THE AUDIT TRAIL IS BROKEN');
      expect(cover).toMatch(new RegExp(`${kind} at entry \\d+`));
      const [alert] = alertsAbout(stack, id);
      // In the request's thread, and broadcast to the approval channel.
      expect(alert!.args).toMatchObject({ channel: APPROVAL_CHANNEL, thread_ts: player.approvalMessage(id)!.ts, reply_broadcast: 'true' });
      expect((await stack.bot.metrics.chainBroken.get()).values[0]?.value).toBeGreaterThanOrEqual(1);

      // Another render from the same broken trail (a download) raises no second alert.
      await stack.events.blockAction({
        userId: PEOPLE.alex,
        actionId: ACTIONS.downloadEvidence,
        blockId: `checklist.${id}`,
        value: id,
        channel: APPROVAL_CHANNEL,
        messageTs: checklist.ts,
      });
      await stack.slack.waitFor(() => stack.slack.messages(PEOPLE.alex).some((m) => m.files?.length) || undefined);
      await new Promise((r) => setTimeout(r, 300));
      expect(alertsAbout(stack, id)).toHaveLength(1);
    },
    60_000,
  );

  it('raises nothing while the trail is intact', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, ANSWERS);
    await player.click(PEOPLE.alex, 'approve', id);
    const pdf = await player.evidence(id);
    const text = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text;

    expect(text).not.toContain('BROKEN');
    expect(alertsAbout(stack, id)).toEqual([]);
    expect(JSON.stringify(player.checklist(id)?.blocks)).not.toContain('The audit trail is broken');
    expect(eventsOf(await readTrail(stack, id), 'report.published')).toHaveLength(1);
    expect((await stack.bot.metrics.chainBroken.get()).values[0]?.value ?? 0).toBe(0);
  });
});
