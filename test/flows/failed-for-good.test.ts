import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import type { LocalStack } from '../../app/demo/local-stack.js';
import type { SlackPlayer } from '../../app/demo/slack-player.js';
import { PEOPLE } from '../../app/demo/workspace.js';
import type { EvidencePack } from '../../src/evidence/evidence-pack.js';
import { QUEUES } from '../../src/queue/queue-names.js';
import { ACME_PRODUCTION, SIM_IAM_IDS } from '../../src/simulators/ibm-cloud/index.js';
import { eventsOf, eventually, finishedTrail, readTrail, VERIFIED_BUT_STAGING } from '../support/approval-helpers.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const KEYS_STEP = `ibm-cloud.${ACME_PRODUCTION}.api-keys`;
/** Jane's user API keys in Production, as seeded. */
const CI_DEPLOY = 'ApiKey-1c2d3e4f-5061-4b72-9c83-d4e5f6071829';
const TERRAFORM = 'ApiKey-2d3e4f50-6172-4c83-8d94-e5f60718293a';

/** Every change recorded for `key` in the step, with the transaction id it was recorded under. */
const changesOf = (trail: AuditRecord[], key: string) =>
  eventsOf(trail, 'step.acted')
    .filter((e) => e.stepId === KEYS_STEP)
    .flatMap((e) => e.changes.filter((c) => c.id === key).map((c) => ({ outcome: c.outcome, detail: c.detail, transactionId: e.transactionId })));

/** The evidence pack's JSON and its PDF's text, once published. */
async function evidenceOf(stack: LocalStack, player: SlackPlayer, id: string, round = 1) {
  const pdf = await player.evidence(id, 20_000, round);
  const json = stack.slack.files.find((f) => f.filename.endsWith(`${id}${round > 1 ? `-round${round}` : ''}.json`))!;
  const text = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text.replace(/\s+/g, ' ');
  return { pack: JSON.parse(Buffer.from(json.bytes).toString('utf8')) as EvidencePack, text };
}

describe('a step that fails for good after setting out to change things', () => {
  it('accounts for every item it set out on: a removal whose answer was lost as removed, a refused one as still present, each under its transaction id; a retry round then removes what was still present under its own', async () => {
    const { stack, player } = await start();
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-PART' });
    // The first key is deleted but the answer is lost; the second is refused for good (a permanent error fails the step at once).
    stack.ibm.inject({ method: 'DELETE', path: `/v1/apikeys/${CI_DEPLOY}`, status: 500, times: 1, afterApply: true });
    stack.ibm.inject({ method: 'DELETE', path: `/v1/apikeys/${TERRAFORM}`, status: 403 });
    await player.click(PEOPLE.alex, 'approve', id);

    const trail = await finishedTrail(stack, id, { timeoutMs: 30_000 });
    expect(eventsOf(trail, 'run.finished')[0]).toMatchObject({ outcome: 'failures', failedSteps: [KEYS_STEP] });
    const lost = stack.ibm.requests.find((r) => r.path === `/v1/apikeys/${CI_DEPLOY}` && r.status === 500)!;
    expect(stack.ibm.apiKey(CI_DEPLOY)).toBeUndefined();
    expect(stack.ibm.apiKeysOf(ACME_PRODUCTION, SIM_IAM_IDS.jane).map((k) => k.id)).toEqual([TERRAFORM]);

    expect(changesOf(trail, CI_DEPLOY)).toEqual([
      { outcome: 'removed', detail: 'answer lost; confirmed when the step failed', transactionId: lost.transactionId },
    ]);
    expect(changesOf(trail, TERRAFORM)).toEqual([{ outcome: 'still_present', detail: 'still listed when the step failed', transactionId: lost.transactionId }]);
    // Accounted for before the step is said to have failed, and the failure is said once.
    const failed = eventsOf(trail, 'step.failed').filter((e) => e.stepId === KEYS_STEP);
    expect(failed).toHaveLength(1);
    expect(trail.indexOf(failed[0]!)).toBeGreaterThan(trail.findLastIndex((e) => e.type === 'step.acted' && e.stepId === KEYS_STEP));

    const { pack, text } = await evidenceOf(stack, player, id);
    const step = pack.steps.find((s) => s.id === KEYS_STEP)!;
    expect(step.transaction_ids).toContain(lost.transactionId);
    expect(step.changes.map((c) => [c.id, c.outcome])).toEqual(
      expect.arrayContaining([
        [CI_DEPLOY, 'removed'],
        [TERRAFORM, 'still_present'],
      ]),
    );
    expect(step.changes.filter((c) => c.id === CI_DEPLOY || c.id === TERRAFORM).map((c) => c.transaction_id)).toEqual([lost.transactionId, lost.transactionId]);
    expect(text).toContain(`removed (answer lost; confirmed when the step failed), transaction ${lost.transactionId}`);
    expect(text).toContain(`still present (still listed when the step failed), transaction ${lost.transactionId}`);

    // Once the refusal is fixed, a retry round removes what was still present under its own transaction id; the lost removal stays the first one's.
    stack.ibm.clearFaults();
    await player.retry(PEOPLE.alex, id);
    const retried = await finishedTrail(stack, id, { rounds: 2, timeoutMs: 30_000 });
    expect(eventsOf(retried, 'run.finished')[1]).toMatchObject(VERIFIED_BUT_STAGING);
    const removal = stack.ibm.requests.find((r) => r.method === 'DELETE' && r.path === `/v1/apikeys/${TERRAFORM}` && r.status < 300)!;
    expect(removal.transactionId).toContain('-r2-a');
    expect(changesOf(retried, TERRAFORM).at(-1)).toMatchObject({ outcome: 'removed', detail: undefined, transactionId: removal.transactionId });
    expect(changesOf(retried, CI_DEPLOY)).toHaveLength(1);
    const final = (await evidenceOf(stack, player, id, 2)).pack.steps.find((s) => s.id === KEYS_STEP)!;
    expect(final.changes.filter((c) => c.id === CI_DEPLOY || c.id === TERRAFORM).map((c) => [c.outcome, c.transaction_id === lost.transactionId])).toEqual([
      ['removed', true],
      ['removed', false],
    ]);
    expect(final.changes.find((c) => c.id === TERRAFORM && c.outcome === 'removed')?.transaction_id).toBe(removal.transactionId);
  }, 60_000);

  it('whose job vanished while it waited to retry is accounted for by the reconciler: what it set out on and never saw answered is "outcome unknown"', async () => {
    // A long retry delay keeps the step waiting in the queue, where the test removes its job.
    const { stack, player } = await start({ env: { OFFBOARD_RECONCILE_INTERVAL_MS: '300', OFFBOARD_RETRY_DELAY_MS: '4000' } });
    const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-VANISH' });
    stack.ibm.inject({ method: 'DELETE', path: `/v1/apikeys/${TERRAFORM}`, status: 500, times: 1 });
    await player.click(PEOPLE.alex, 'approve', id);

    const redis = new Redis(stack.config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUES.revocations, { connection: redis, prefix: stack.config.redisPrefix });
    try {
      await eventually(
        async () => eventsOf(await readTrail(stack, id), 'step.retrying').some((e) => e.stepId === KEYS_STEP),
        15_000,
        'the keys step waiting to retry',
      );
      const waiting = (await queue.getJobs(['delayed'])).find((j) => `${j.data.system}.${j.data.scope}.${j.data.step}` === KEYS_STEP)!;
      expect(await queue.remove(waiting.id!)).toBe(1);

      const trail = await finishedTrail(stack, id, { timeoutMs: 30_000 });
      const first = eventsOf(trail, 'step.acting').find((e) => e.stepId === KEYS_STEP)!;
      expect(changesOf(trail, CI_DEPLOY)).toEqual([{ outcome: 'removed', detail: undefined, transactionId: first.transactionId }]);
      expect(changesOf(trail, TERRAFORM)).toEqual([
        { outcome: 'outcome_unknown', detail: 'the step failed before the system could be asked', transactionId: first.transactionId },
      ]);
      expect(eventsOf(trail, 'step.failed').filter((e) => e.stepId === KEYS_STEP)).toEqual([
        expect.objectContaining({ error: 'its job was removed from the queue before it finished' }),
      ]);

      const { pack, text } = await evidenceOf(stack, player, id);
      expect(pack.steps.find((s) => s.id === KEYS_STEP)!.changes.find((c) => c.id === TERRAFORM)).toMatchObject({
        outcome: 'outcome_unknown',
        transaction_id: first.transactionId,
      });
      expect(text).toContain(`(${TERRAFORM}): outcome unknown (the step failed before the system could be asked), transaction ${first.transactionId}`);
      expect(text).toContain(`(${CI_DEPLOY}): removed, transaction ${first.transactionId}`);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  }, 60_000);
});
