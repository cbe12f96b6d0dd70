import type { Queue } from 'bullmq';
import type { AuditRecord, ReconcileAction } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { stepId } from '../connectors/step-ref.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { RECONCILE_JOB } from '../queue/queue-names.js';
import { finishJobId, identifyJobId, stepJobId } from './run-flow.js';
import type { RequestLock } from '../request-lock.js';
import { askAgain } from '../requests/ask-again.js';
import type { PendingTimers } from '../requests/pending-timers.js';
import type { OffboardRequest } from '../requests/request.js';
import type { BatchDecisions } from '../requests/batch-decision.js';
import { RequestUnreadableError, type RequestStore } from '../requests/request-store.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { accountForStep, stepFactKey } from './account-for-step.js';
import type { DeletionSchedule } from './deletion-schedule.js';
import { deletionTime } from './finish-run.js';
import { rotationTasks } from './handed-over.js';
import type { RotationQueue } from './rotation-queue.js';
import type { RunStarter } from './run-starter.js';
import { identificationDone, roundOf, runView, type RunView } from './run-view.js';

export interface ReconcilerDeps {
  store: RequestStore;
  audit: AuditTrail;
  runs: RunStarter;
  outbox: SlackOutbox;
  lock: RequestLock;
  deletions: DeletionSchedule;
  /** The bot's rotation work (Rotate for me, Switched): a click recorded whose job was lost is queued again. */
  rotationWork: RotationQueue;
  /** A rescheduled approved request's reminders, started again should a crash have cut its rescheduling short. */
  timers: PendingTimers;
  queues: { runs: Queue; revocations: Queue; slack: Queue; maintenance: Queue };
  metrics: Metrics;
  logger: Logger;
  /** Finishes applying the stored decisions of bulk requests that a crash left part-applied (absent: none are looked at). */
  batches?: BatchDecisions;
  /** A run with a change this recent is left for the next pass; default 2 s. */
  settleMs?: number;
}

const SETTLE_MS = 2_000;

/**
 * Finds requests whose state says work should exist but whose jobs do not, and repairs them:
 * the process died between storing a decision and enqueuing its run, a job was removed from the
 * queue, or BullMQ failed a job without our code running (stalled past the limit). Every repair
 * is recorded in the request's trail. Runs at start-up and on a schedule; each repair is
 * idempotent, and one reconciler runs at a time. A run changed moments ago (a decision whose
 * jobs are being enqueued right now) is not stranded but busy: the next pass looks again. Each
 * request is handled on its own: one that cannot be read is recorded and alerted once, and neither
 * it nor any other failure on one request stops the pass for the others.
 */
export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  async reconcile(): Promise<number> {
    return this.deps.lock.with('reconcile', 'all', async () => {
      let repairs = 0;
      let busy = 0;
      // First: a request approved here is then looked at as approved, in this same pass.
      if (this.deps.batches) {
        const batches = await this.alone('batch decisions', () => this.batchDecisions());
        if (batches) {
          repairs += batches.applied;
          busy += batches.busy;
        }
      }
      for (const id of await this.deps.store.idsWithStatus('pending')) repairs += await this.alone(id, () => this.pending(id));
      for (const id of await this.deps.store.idsWithStatus('approved')) {
        const repaired = await this.alone(id, () => this.approved(id));
        if (repaired === 'busy') busy++;
        else repairs += repaired;
      }
      for (const id of await this.deps.store.idsWithStatus('disabled')) {
        repairs += await this.alone(id, () => this.waitingForDeletion(id));
        repairs += await this.alone(id, () => this.lostRotations(id));
      }
      // A busy run may be one a crash just stranded (the pass at start-up sees it so): look again
      // once it has settled, not only at the next scheduled pass. One such pass per settle period.
      if (busy) {
        const settle = this.settleMs;
        await this.deps.queues.maintenance.add(
          RECONCILE_JOB,
          {},
          { jobId: `reconcile-settled-${Math.floor(Date.now() / settle)}`, delay: settle, removeOnComplete: true, removeOnFail: 100 },
        );
      }
      return repairs;
    });
  }

  /** Repairs one request; whatever goes wrong with it is told and counts as no repair, and the pass goes on. */
  private async alone<T>(id: string, repair: () => Promise<T>): Promise<T | 0> {
    try {
      return await repair();
    } catch (err) {
      if (err instanceof RequestUnreadableError) await this.unreadable(err).catch((e: Error) => this.failed(id, e));
      else this.failed(id, err as Error);
      return 0;
    }
  }

  private failed(id: string, err: Error): void {
    this.deps.logger.error({ requestId: id, err: err.message }, 'reconciler could not look at a request; went on with the others');
  }

  /**
   * A stored request that does not read (a bug, or a hand edit in Redis): nothing can be repaired
   * without it, so it is recorded in its trail, the approvers are alerted and it is counted, once;
   * later passes skip it until someone repairs it.
   */
  private async unreadable(err: RequestUnreadableError): Promise<void> {
    const id = err.requestId;
    if (runView(await this.deps.audit.read(id)).repairs.some((e) => e.action === 'unreadable')) return;
    const detail = `the stored request cannot be read (${err.problem}); nothing is done for it until it is repaired`;
    // The alert first: its fixed key makes it once, and the trail entry then stops the asking.
    await this.deps.outbox.alert(
      id,
      'unreadable',
      `:rotating_light: Offboarding request *${id}* cannot be read (${escapeText(err.problem)}), so nothing more is done for it (a deletion it scheduled included) until its stored record in Redis is repaired.`,
    );
    await this.deps.audit.append(id, { type: 'run.reconciled', action: 'unreadable', detail });
    this.deps.metrics.reconcilerActions.inc({ action: 'unreadable' });
    this.deps.logger.error({ requestId: id, problem: err.problem }, 'reconciler found a request it cannot read; skipping it');
  }

  private get settleMs(): number {
    return this.deps.settleMs ?? SETTLE_MS;
  }

  /** A bulk request whose decision was stored, but not applied to each of its requests before a crash. */
  private batchDecisions(): Promise<{ applied: number; busy: number }> {
    return this.deps.batches!.finishOpen(this.settleMs, (id, decision) =>
      this.record(
        id,
        'batch-approved',
        `the approval of bulk request ${decision.batchId} by ${decision.by} was stored but never applied to this request; applied it`,
      ).then(() => undefined),
    );
  }

  /**
   * A request stored, but its approval message never posted nor queued; or an approved request
   * rescheduled (back to pending) whose trail does not say so yet: what follows it is done again.
   */
  private async pending(id: string): Promise<number> {
    const request = await this.deps.store.get(id);
    if (request?.reasked) {
      const { audit, runs, timers, outbox } = this.deps;
      if (runView(await audit.read(id)).reasks.length < request.reasked.count) {
        await askAgain({ audit, runs, timers, outbox }, request, request.requester.slackUserId ?? request.requester.name);
        return this.record(id, 'asked-again', 'it was rescheduled after its approval, and what follows was cut short; did it', false);
      }
      // Cut short after the trail said so: its follow-ups (fixed ids, so this adds nothing when they are there).
      await timers.start(request);
    }
    if (!request || request.approvalMessage || (await this.deps.queues.slack.getJob(`${id}.announce`))) return 0;
    await this.deps.outbox.announce(id);
    return this.record(id, 'announced', 'the approval message was never queued; queued it', false);
  }

  private async approved(id: string): Promise<number | 'busy'> {
    const request = await this.deps.store.get(id);
    if (!request) return 0;
    const trail = await this.deps.audit.read(id);
    if (this.busy(request, trail)) return 'busy';
    const view = runView(trail);
    const { round, finished } = view.current;
    const wanted = request.nextRound?.round ?? 1;
    if (round < wanted) return this.startRound(request, wanted, view);
    if (!finished && roundOf(view, round) && !identificationDone(view, round)) return this.identification(request, round);
    const finish = await this.deps.queues.runs.getJob(finishJobId(id, round));
    if (!finish) {
      if (finished) return 0;
      await this.deps.runs.ensureRound(request, round);
      return this.record(id, 'run-requeued', `round ${round} was planned but its jobs were missing; enqueued them`);
    }
    if ((await finish.getState()) === 'failed') {
      await finish.retry('failed');
      return this.record(id, 'run-requeued', `the job finishing round ${round} had failed (${finish.failedReason}); retrying it`);
    }
    return finished ? 0 : this.silentSteps(id, round, view);
  }

  /** Its decision, the grant of its next round or its trail changed within the settle time. */
  private busy(request: OffboardRequest, trail: AuditRecord[]): boolean {
    const last = Math.max(...[trail.at(-1)?.at, request.decision?.at, request.nextRound?.at].map((at) => (at ? Date.parse(at) : 0)));
    return Date.now() - last < this.settleMs;
  }

  /** A round still finding the person: its job must exist, or have failed where a retry helps. */
  private async identification(request: OffboardRequest, round: number): Promise<number> {
    const job = await this.deps.queues.runs.getJob(identifyJobId(request.id, round));
    if (!job) {
      await this.deps.runs.ensureRound(request, round);
      return this.record(request.id, 'run-requeued', `round ${round} was planned but the job finding the person was missing; enqueued it`);
    }
    if ((await job.getState()) !== 'failed') return 0;
    await job.retry('failed');
    return this.record(request.id, 'run-requeued', `finding the person for round ${round} had failed (${job.failedReason}); retrying it`);
  }

  /** A disabled request must have its deletion scheduled: the end of its grace period must not be lost. */
  private async waitingForDeletion(id: string): Promise<number> {
    if (await this.deps.deletions.exists(id)) return 0;
    const request = await this.deps.store.get(id);
    if (!request) return 0;
    const view = runView(await this.deps.audit.read(id));
    const at = deletionTime(request, view);
    if (!at) return 0;
    await this.deps.deletions.schedule(id, at, Date.now(), { reviews: (view.deletions.at(-1)?.reviews?.length ?? 0) > 0 });
    return this.record(id, 'deletion-rescheduled', `the deletion due ${at.toISOString()} was not scheduled; scheduled it`);
  }

  /**
   * Rotation work a click recorded (Rotate for me, or Switched) whose job is gone without its
   * outcome in the trail: the process died between the record and the queue, or the job was removed.
   */
  private async lostRotations(id: string): Promise<number> {
    const view = runView(await this.deps.audit.read(id));
    let repairs = 0;
    for (const t of rotationTasks(view)) {
      const b = t.bot;
      if (!b || b.retired || b.failed) continue;
      const attempt = b.holds.length + 1;
      const work = !b.replaced
        ? { work: 'replace' as const }
        : b.switches.some((s) => s.attempt === attempt)
          ? { work: 'retire' as const, attempt }
          : undefined;
      if (!work) continue;
      const data = { requestId: id, stepId: t.stepId, itemId: t.id, ...work };
      if (await this.deps.rotationWork.queued(data, t.code)) continue;
      await this.deps.rotationWork.queue(data, t.code);
      repairs += await this.record(
        id,
        'rotation-requeued',
        `the rotation of ${t.label} (${t.id}) was asked for (${work.work}) but its job was gone; queued it again`,
      );
    }
    return repairs;
  }

  private async startRound(request: OffboardRequest, round: number, view: RunView): Promise<number> {
    // The decision is in the request; its trail entry may be what the crash cut off.
    if (round === 1 && request.decision && !view.approved) {
      await this.deps.audit.append(request.id, { type: 'request.approved', actor: request.decision.by });
    }
    const next = request.nextRound;
    if (next && next.round === round) await this.deps.runs.next(request, next);
    else await this.deps.runs.start(request);
    const what = round === 1 ? 'it was approved but its run never started' : `round ${round} (${next?.phase ?? 'retry'}) was granted but never started`;
    return this.record(request.id, 'run-started', `${what}; started it`);
  }

  /** Steps of the round that ended without a word in the trail: their job is gone, or BullMQ failed it. */
  private async silentSteps(id: string, round: number, view: RunView): Promise<number> {
    const planned = roundOf(view, round);
    if (!planned) return 0;
    let repairs = 0;
    for (const ref of planned.steps) {
      const sid = stepId(ref);
      if (planned.ended.has(sid)) continue;
      const job = await this.deps.queues.revocations.getJob(stepJobId(id, round, sid));
      const state = job ? await job.getState() : 'missing';
      if (state !== 'missing' && state !== 'failed') continue;
      const error = job
        ? `its job failed without reporting (${job.failedReason || 'no reason given'})`
        : 'its job was removed from the queue before it finished';
      const attempt = planned.executions.get(sid) ?? 0;
      // Nobody can ask the system from here: what its executions set out to change and never recorded is "outcome unknown".
      const fact = stepFactKey(round, sid);
      await accountForStep(
        id,
        sid,
        view.steps.find((p) => p.id === sid && p.phase === planned.phase),
        this.deps.audit,
        fact,
      );
      await this.deps.audit.appendOnce(id, `${fact}:ended`, { type: 'step.failed', stepId: sid, attempt, error });
      repairs += await this.record(id, job ? 'step-failed-silently' : 'step-lost', `${ref.title} in ${ref.scope}: ${error}`);
    }
    return repairs;
  }

  private async record(id: string, action: ReconcileAction, detail: string, hasChecklist = true): Promise<number> {
    await this.deps.audit.append(id, { type: 'run.reconciled', action, detail });
    if (hasChecklist) await this.deps.outbox.refreshChecklist(id);
    this.deps.metrics.reconcilerActions.inc({ action });
    this.deps.logger.warn({ requestId: id, action, detail }, 'reconciler repaired a request');
    return 1;
  }
}
