import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { LocalStack } from '../../app/demo/local-stack.js';
import { Keys } from '../../src/redis.js';
import { RequestStore } from '../../src/requests/request-store.js';
import type { PackManifest } from '../../src/evidence/pack-signing.js';
import { EXIT } from '../../src/verify/exit-codes.js';
import { verifyPackFile } from '../../src/verify/verify-pack.js';
import { PEOPLE, APPROVAL_CHANNEL } from '../../app/demo/workspace.js';
import { rotationTasks } from '../../src/runs/handed-over.js';
import { runView } from '../../src/runs/run-view.js';
import { SIM_NHI_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, eventually, finishedTrail, readTrail } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const ANSWERS = { person: PEOPLE.jane, reason: 'resignation' as const, successor: PEOPLE.taylor, ticket: 'HR-1042', disposition: 'delete_now' as const };

type Started = Awaited<ReturnType<typeof start>>;

/** The request's status as stored, polled until it is `want` (or the last one seen after `timeoutMs`). */
async function statusOf(stack: LocalStack, id: string, want?: string, timeoutMs = 20_000): Promise<string> {
  const redis = new Redis(stack.config.redisUrl);
  try {
    const store = new RequestStore(redis, new Keys(stack.config.redisPrefix));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status } = await store.mustGet(id);
      if (!want || status === want || Date.now() > deadline) return status;
      await sleep(100);
    }
  } finally {
    await redis.quit();
  }
}

const buttonsOf = (started: Started, requestId: string) => JSON.stringify(started.player.checklist(requestId)?.blocks ?? []);

/** The names of the files Slack shows in `channel` (a channel id, or a user id for the app's direct message with them). */
function filesIn(stack: LocalStack, channel: string): string[] {
  const ids = new Set(stack.slack.messages(channel).flatMap((m) => m.files ?? []));
  return stack.slack.files
    .filter((f) => ids.has(f.id))
    .map((f) => f.filename)
    .sort();
}

/** Packs by direct message only: what a workspace gets unless it opts in to OFFBOARD_EVIDENCE_IN_THREAD. */
const DM_ONLY = { OFFBOARD_EVIDENCE_IN_THREAD: 'false' };

/** A request approved and run with `env`, once its pack is stored and the checklist offers it. */
async function packStored(env: Record<string, string>) {
  const started = await start({ env });
  const { stack, player } = started;
  const id = await player.request(PEOPLE.morgan, ANSWERS);
  await player.click(PEOPLE.alex, 'approve', id);
  await player.evidence(id);
  await stack.slack.waitFor(() => buttonsOf(started, id).includes('Download evidence') || undefined);
  return { started, stack, player, id };
}

describe('getting the evidence pack', () => {
  it('keeps the pack out of the approval thread by default: the thread shows the summary, and compliance receives the pack by direct message, recorded', async () => {
    const { started, stack, id } = await packStored({ ...DM_ONLY, OFFBOARD_COMPLIANCE: PEOPLE.taylor });
    const trail = await readTrail(stack, id);
    const [report] = eventsOf(trail, 'report.published');

    // Every member of the approval channel sees the thread: no file of the pack is there.
    expect(filesIn(stack, APPROVAL_CHANNEL)).toEqual([]);
    expect(stack.slack.messages(APPROVAL_CHANNEL).every((m) => !m.files?.length)).toBe(true);
    expect(buttonsOf(started, id)).toContain(`Evidence report: offboarding-evidence-${id}.pdf`);
    expect(buttonsOf(started, id)).toContain(report!.sha256!.slice(0, 16));
    expect(filesIn(stack, PEOPLE.taylor)).toEqual([`offboarding-evidence-${id}.json`, `offboarding-evidence-${id}.pdf`]);
    expect(report?.files).toBeUndefined();
    expect(eventsOf(trail, 'evidence.downloaded')).toEqual([
      expect.objectContaining({
        actor: PEOPLE.taylor,
        via: 'compliance',
        round: 1,
        sha256: report!.sha256,
        files: expect.arrayContaining([expect.objectContaining({ name: `offboarding-evidence-${id}.pdf` })]),
      }),
    ]);
  });

  it('sends the pack by direct message to an approver who clicks Download evidence and to compliance asking with /offboard report, recording each delivery', async () => {
    const { started, stack, id } = await packStored({ ...DM_ONLY, OFFBOARD_COMPLIANCE: PEOPLE.taylor });

    await started.player.checklistButton(PEOPLE.alex, 'downloadEvidence', id);
    const res = await stack.events.slashCommand({ command: '/offboard', text: `report ${id}`, userId: PEOPLE.taylor, channelId: APPROVAL_CHANNEL });
    await stack.bot.settled();
    await stack.slack.waitFor(() => (filesIn(stack, PEOPLE.alex).length === 2 && filesIn(stack, PEOPLE.taylor).length === 4) || undefined);

    expect(res.status).toBe(200);
    expect(stack.slack.ephemerals.find((e) => e.user === PEOPLE.alex)?.text).toContain('on its way to you by direct message');
    expect(stack.slack.ephemerals.find((e) => e.user === PEOPLE.taylor)?.text).toContain('on its way to you by direct message');
    expect(filesIn(stack, PEOPLE.alex)).toEqual([`offboarding-evidence-${id}.json`, `offboarding-evidence-${id}.pdf`]);
    expect(filesIn(stack, APPROVAL_CHANNEL)).toEqual([]);
    const delivered = await eventually(async () => {
      const events = eventsOf(await readTrail(stack, id), 'evidence.downloaded');
      return events.length === 3 ? events : undefined;
    });
    expect(delivered.map((e) => [e.actor, e.via]).sort()).toEqual(
      [
        [PEOPLE.alex, 'button'],
        [PEOPLE.taylor, 'command'],
        [PEOPLE.taylor, 'compliance'],
      ].sort(),
    );
    // The same trail gives the same pack: what was sent is what was stored.
    const [report] = eventsOf(await readTrail(stack, id), 'report.published');
    expect(delivered.every((e) => e.sha256 === report!.sha256)).toBe(true);
  });

  it('sends nothing to a compliance member Slack refuses (deactivated), records no delivery for them, and still completes the request', async () => {
    const started = await start({ env: { ...DM_ONLY, OFFBOARD_COMPLIANCE: `${PEOPLE.gone},${PEOPLE.taylor}` } });
    const { stack, player } = started;
    const id = await player.request(PEOPLE.morgan, ANSWERS);
    await player.click(PEOPLE.alex, 'approve', id);
    await player.evidence(id);
    expect(await statusOf(stack, id, 'completed')).toBe('completed');
    await eventually(async () => (stack.slack.callsTo('conversations.open').some((c) => c.args.users === PEOPLE.gone && !c.ok) ? true : undefined));
    await sleep(300);

    const delivered = eventsOf(await readTrail(stack, id), 'evidence.downloaded');
    expect(delivered.map((e) => [e.actor, e.via])).toEqual([[PEOPLE.taylor, 'compliance']]);
    expect(stack.slack.files.filter((f) => f.filename.includes(id))).toHaveLength(2);
    expect(filesIn(stack, APPROVAL_CHANNEL)).toEqual([]);
    // Refused for good: tried once, not retried.
    expect(stack.slack.callsTo('conversations.open').filter((c) => c.args.users === PEOPLE.gone)).toHaveLength(1);
  });

  it('with OFFBOARD_EVIDENCE_IN_THREAD=true, also uploads the pack to the approval thread', async () => {
    const started = await start({ env: { OFFBOARD_EVIDENCE_IN_THREAD: 'true' } });
    const { stack, player } = started;
    const id = await player.request(PEOPLE.morgan, ANSWERS);
    await player.click(PEOPLE.alex, 'approve', id);
    await player.evidence(id);

    expect(filesIn(stack, APPROVAL_CHANNEL)).toEqual([`offboarding-evidence-${id}.json`, `offboarding-evidence-${id}.pdf`]);
    expect(eventsOf(await readTrail(stack, id), 'report.published')[0]?.files).toHaveLength(2);
  });

  it('refuses a non-member, records the refusal, and gives them nothing', async () => {
    const started = await start();
    const { stack, player } = started;
    const id = await player.request(PEOPLE.morgan, ANSWERS);
    await player.click(PEOPLE.alex, 'approve', id);
    await player.evidence(id);
    await stack.slack.waitFor(() => buttonsOf(started, id).includes('Download evidence') || undefined);

    await started.player.checklistButton(PEOPLE.taylor, 'downloadEvidence', id);
    await stack.events.slashCommand({ command: '/offboard', text: `report ${id}`, userId: PEOPLE.taylor, channelId: APPROVAL_CHANNEL });
    await stack.bot.settled();
    const toTaylor = stack.slack.ephemerals.filter((e) => e.user === PEOPLE.taylor);
    expect(toTaylor.map((e) => e.text)).toEqual([
      expect.stringContaining('Only offboarding approvers and compliance'),
      expect.stringContaining('Only offboarding approvers and compliance'),
    ]);
    expect(toTaylor.some((e) => e.text.includes('.json'))).toBe(false);
    await sleep(300);
    expect(filesIn(stack, PEOPLE.taylor)).toEqual([]);
    const trail = await readTrail(stack, id);
    expect(eventsOf(trail, 'evidence.refused').map((e) => [e.actor, e.via])).toEqual([
      [PEOPLE.taylor, 'button'],
      [PEOPLE.taylor, 'command'],
    ]);
    expect(eventsOf(trail, 'evidence.downloaded')).toEqual([]);
  });

  it('loses no report when every upload attempt fails: the request stays open, and Generate report recovers it', async () => {
    // Uploaded to the thread: the one upload a finishing round makes itself.
    const started = await start({ env: { OFFBOARD_JOB_ATTEMPTS: '2', OFFBOARD_EVIDENCE_IN_THREAD: 'true' } });
    const { stack, player } = started;
    const id = await player.request(PEOPLE.morgan, ANSWERS);
    stack.slack.rateLimit('files.getUploadURLExternal', 2, 1);
    await player.click(PEOPLE.alex, 'approve', id);

    await stack.slack.waitFor(() => buttonsOf(started, id).includes('Generate report') || undefined, { timeoutMs: 30_000 });
    expect(stack.slack.files.filter((f) => f.filename.includes(id))).toEqual([]);
    expect(await statusOf(stack, id)).toBe('approved');
    expect(eventsOf(await readTrail(stack, id), 'report.published')).toEqual([]);

    // Not an approver nor in compliance: refused, and nothing is generated.
    await started.player.checklistButton(PEOPLE.taylor, 'generateReport', id);
    expect(stack.slack.ephemerals.filter((e) => e.user === PEOPLE.taylor).map((e) => e.text)).toEqual([
      expect.stringContaining('Only offboarding approvers and compliance'),
    ]);
    await sleep(500);
    expect(stack.slack.files.filter((f) => f.filename.includes(id))).toEqual([]);

    await started.player.checklistButton(PEOPLE.alex, 'generateReport', id);
    await player.evidence(id);
    expect(await statusOf(stack, id, 'completed')).toBe('completed');
    expect(eventsOf(await readTrail(stack, id), 'report.published')).toHaveLength(1);
  }, 60_000);

  it('with a signing key, signs what each direct message holds: its manifest covers the JSON and the very PDF sent, so a PDF changed by one byte fails npm run verify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signed-pack-'));
    const keys = generateKeyPairSync('ed25519');
    const keyFile = join(dir, 'signing.pem');
    writeFileSync(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const { started, stack, id } = await packStored({
      ...DM_ONLY,
      OFFBOARD_COMPLIANCE: PEOPLE.taylor,
      OFFBOARD_SIGNING_KEY_FILE: keyFile,
      OFFBOARD_SIGNING_KEY_ID: 'ops-2026',
    });
    // The round's pack sent to compliance, and the same round drawn again for an approver who asks.
    await started.player.checklistButton(PEOPLE.alex, 'downloadEvidence', id);
    await stack.slack.waitFor(() => (filesIn(stack, PEOPLE.alex).length === 3 && filesIn(stack, PEOPLE.taylor).length === 3) || undefined, {
      timeoutMs: 20_000,
    });

    for (const person of [PEOPLE.taylor, PEOPLE.alex]) {
      const ids = new Set(stack.slack.messages(person).flatMap((m) => m.files ?? []));
      const sent = (suffix: string) => stack.slack.files.find((f) => ids.has(f.id) && f.filename === `offboarding-evidence-${id}${suffix}`)!.bytes;
      const manifest = JSON.parse(Buffer.from(sent('.manifest.json')).toString('utf8')) as PackManifest;
      const [json, pdf] = [new Uint8Array(sent('.json')), new Uint8Array(sent('.pdf'))];
      expect(manifest).toMatchObject({ manifest_version: '2', pdf: `offboarding-evidence-${id}.pdf`, key_id: 'ops-2026' });

      const verdict = verifyPackFile(json, { manifest, publicKey: keys.publicKey, pdf });
      expect(verdict, person).toMatchObject({ code: EXIT.intact });
      expect(verdict.message).toContain(`PDF offboarding-evidence-${id}.pdf included`);
      const altered = Uint8Array.from(pdf);
      altered[altered.length - 100]! ^= 1;
      expect(verifyPackFile(json, { manifest, publicKey: keys.publicKey, pdf: altered })).toMatchObject({ code: EXIT.packChanged });
    }
  }, 60_000);

  it('sends a pack made again after a rotation closing the same way: to compliance by direct message, recorded, and never into the approval thread', async () => {
    const started = await start({ env: { ...DM_ONLY, OFFBOARD_COMPLIANCE: PEOPLE.dana } });
    const { stack, player } = started;
    const id = await player.request(PEOPLE.morgan, { ...ANSWERS, disposition: 'disable_then_delete', graceDays: '30', created: 'hand_over' });
    await player.click(PEOPLE.alex, 'approve', id);
    const code = rotationTasks(runView(await finishedTrail(stack, id))).find((t) => t.id === SIM_NHI_IDS.janeResourceKey)!.code;
    await stack.slack.waitFor(() => filesIn(stack, PEOPLE.dana).includes(`offboarding-evidence-${id}.pdf`) || undefined, { timeoutMs: 20_000 });

    await player.rotation(PEOPLE.taylor, 'rotatedMyself', id, code);
    await stack.slack.waitFor(() => filesIn(stack, PEOPLE.dana).includes(`offboarding-evidence-${id}-rev2.pdf`) || undefined, { timeoutMs: 30_000 });
    const delivered = await eventually(async () => {
      const events = eventsOf(await readTrail(stack, id), 'evidence.downloaded').filter((e) => e.revision === 2);
      return events.length ? events : undefined;
    });

    expect(delivered).toEqual([expect.objectContaining({ actor: PEOPLE.dana, via: 'compliance', round: 1, revision: 2 })]);
    expect(eventsOf(await readTrail(stack, id), 'report.published').at(-1)).toMatchObject({ revision: 2 });
    expect(eventsOf(await readTrail(stack, id), 'report.published').at(-1)?.files).toBeUndefined();
    expect(filesIn(stack, APPROVAL_CHANNEL)).toEqual([]);
    expect(stack.slack.files.filter((f) => f.filename.includes(id)).every((f) => f.channelId !== APPROVAL_CHANNEL)).toBe(true);
  }, 90_000);
});
