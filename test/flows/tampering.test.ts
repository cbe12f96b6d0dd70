import { Redis } from 'ioredis';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import type { BatchSummary } from '../../src/evidence/batch-summary.js';
import { Keys } from '../../src/redis.js';
import { rotationTasks } from '../../src/runs/handed-over.js';
import { runView } from '../../src/runs/run-view.js';
import { SIM_NHI_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { eventsOf, eventually, finishedTrail, readTrail, withStore } from '../support/approval-helpers.js';
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

const approverRewritten = EDITS[0]![2];
const pdfText = async (bytes: Buffer | Uint8Array) =>
  (await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true })).text.replace(/\s+/g, ' ');

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

describe('an audit trail altered in Redis after its round was packed', () => {
  it('is caught before the pack made again for a rotation task closed later: its cover says so, the checklist shows it, and the thread and the approval channel are alerted once', async () => {
    const { stack, player } = await start({ env: { OFFBOARD_COMPLIANCE: PEOPLE.dana } });
    const id = await player.request(PEOPLE.morgan, {
      ...ANSWERS,
      disposition: 'disable_then_delete',
      graceDays: '30',
      ticket: 'HR-ROTATE',
      created: 'hand_over',
    });
    await player.click(PEOPLE.alex, 'approve', id);
    const code = rotationTasks(runView(await finishedTrail(stack, id))).find((t) => t.id === SIM_NHI_IDS.janeResourceKey)!.code;
    const first = `offboarding-evidence-${id}.pdf`;
    await stack.slack.waitFor(() => stack.slack.files.some((f) => f.filename === first) || undefined, { timeoutMs: 20_000 });
    const checklistText = () => JSON.stringify(player.checklist(id)?.blocks ?? []);
    await stack.slack.waitFor(() => checklistText().includes('Rotation tasks') || undefined, { timeoutMs: 15_000 });
    expect(await pdfText(stack.slack.files.find((f) => f.filename === first)!.bytes)).not.toContain('BROKEN');
    // Compliance's copy delivered and recorded: nothing is appended to the trail while it is rewritten.
    await eventually(async () => eventsOf(await readTrail(stack, id), 'evidence.downloaded').length > 0, 20_000, 'the pack delivered to compliance');
    await stack.bot.settled();

    await rewriteTrail(stack, id, approverRewritten);
    await player.rotation(PEOPLE.taylor, 'rotatedMyself', id, code);

    const again = await stack.slack.waitFor(() => stack.slack.files.find((f) => f.filename === `offboarding-evidence-${id}-rev2.pdf`), { timeoutMs: 30_000 });
    expect(await pdfText(again.bytes)).toMatch(/THE AUDIT TRAIL IS BROKEN: it was altered after it was recorded \(changed at entry \d+/);
    await stack.slack.waitFor(() => alertsAbout(stack, id).length === 1 || undefined);
    await stack.slack.waitFor(() => checklistText().includes('The audit trail is broken') || undefined, { timeoutMs: 15_000 });
    await stack.bot.settled();
    expect(alertsAbout(stack, id)).toHaveLength(1);
    expect(alertsAbout(stack, id)[0]!.args).toMatchObject({ channel: APPROVAL_CHANNEL, thread_ts: player.approvalMessage(id)!.ts, reply_broadcast: 'true' });
  }, 90_000);

  it("is caught before a bulk request's summary is made: the summary says which request's trail is broken, at its top and on its row, and that request's checklist and alert show it", async () => {
    const { stack, player } = await start();
    await player.submitForm(PEOPLE.morgan, { ...ANSWERS, others: [PEOPLE.chris], ticket: 'RIF-12' });
    const requests = await eventually(
      async () => {
        const stored = await withStore(stack, async (store) => (await store.recentReadable(50)).requests);
        if (stored.length !== 2 || !stored.every((r) => r.approvalMessage)) return undefined;
        const trails = await Promise.all(stored.map((r) => readTrail(stack, r.id)));
        return trails.every((t) => eventsOf(t, 'request.previewed').length > 0) ? stored.sort((a, b) => a.id.localeCompare(b.id)) : undefined;
      },
      30_000,
      'both requests announced',
    );
    const batchId = requests[0]!.batch!.id;
    await player.click(PEOPLE.alex, 'approve', requests[0]!.id);
    for (const r of requests) await player.evidence(r.id, 60_000);
    const [intact, altered] = requests as [(typeof requests)[0], (typeof requests)[0]];
    // Every checklist drawn for good: only the summary reads the trail after it is altered.
    for (const r of requests)
      await stack.slack.waitFor(() => JSON.stringify(player.checklist(r.id)?.blocks ?? []).includes('Evidence report') || undefined, { timeoutMs: 15_000 });
    await stack.bot.settled();

    await rewriteTrail(stack, altered.id, approverRewritten);
    await stack.events.slashCommand({ command: '/offboard', text: `report ${batchId}`, userId: PEOPLE.riley, channelId: APPROVAL_CHANNEL });

    const name = `offboarding-batch-summary-${batchId}`;
    const files = await stack.slack.waitFor(
      () => {
        const found = stack.slack.files.filter((f) => f.filename.startsWith(name));
        return found.length >= 2 ? found : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const summary = JSON.parse(Buffer.from(files.find((f) => f.filename === `${name}.json`)!.bytes).toString('utf8')) as BatchSummary;
    expect(summary.summary_version).toBe('2');
    expect(summary.chains_broken).toEqual([altered.id]);
    expect(summary.members.find((m) => m.request_id === altered.id)!.chain).toEqual({ intact: false, detail: expect.stringMatching(/^changed at entry \d+/) });
    expect(summary.members.find((m) => m.request_id === intact.id)!.chain).toEqual({ intact: true, detail: null });
    const text = await pdfText(files.find((f) => f.filename === `${name}.pdf`)!.bytes);
    expect(text).toContain(`THE AUDIT TRAIL OF ${altered.id} IS BROKEN`);
    expect(text).toMatch(/AUDIT TRAIL BROKEN \(changed at entry \d+/);

    await stack.slack.waitFor(() => alertsAbout(stack, altered.id).length === 1 || undefined);
    await stack.slack.waitFor(() => JSON.stringify(player.checklist(altered.id)?.blocks ?? []).includes('The audit trail is broken') || undefined, {
      timeoutMs: 15_000,
    });
    await stack.bot.settled();
    expect(alertsAbout(stack, altered.id)).toHaveLength(1);
    expect(alertsAbout(stack, intact.id)).toEqual([]);
    expect(JSON.stringify(player.checklist(intact.id)?.blocks)).not.toContain('The audit trail is broken');
  }, 120_000);
});
