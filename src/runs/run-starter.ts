import type { FlowProducer, Queue } from 'bullmq';
import type { AuditRecord } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { stepId } from '../connectors/step-ref.js';
import type { Phase } from '../audit/audit-event.js';
import { buildStepFlow, identifyJob, identifyJobId, notCoveredBy, planSteps, type PlannedSystem, type PlanOptions } from './run-flow.js';
import type { RequestLock } from '../request-lock.js';
import type { OffboardRequest } from '../requests/request.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { stepFactKey } from './account-for-step.js';
import { identificationDone, roundOf, runView } from './run-view.js';

export interface RunStarterOptions {
  producer: FlowProducer;
  runsQueue: Queue;
  audit: AuditTrail;
  lock: RequestLock;
  outbox: SlackOutbox;
  systems: readonly PlannedSystem[];
  attempts: number;
  now?: () => number;
}

/**
 * Turns an approved request (or a retry of its failed steps) into a round: planned in the trail
 * before anything runs, then the person is identified in every system at the effective time, then
 * the steps are enqueued. Safe to call again for the same round at any time (job ids are derived
 * from request, round and step; the round is planned once under a per-request lock), which is
 * what lets the reconciler finish what a crash interrupted.
 */
export class RunStarter {
  private readonly producer: FlowProducer;
  private readonly runsQueue: Queue;
  private readonly audit: AuditTrail;
  private readonly lock: RequestLock;
  private readonly outbox: SlackOutbox;
  private readonly systems: readonly PlannedSystem[];
  private readonly attempts: number;
  private readonly now: () => number;

  constructor({ producer, runsQueue, audit, lock, outbox, systems, attempts, now = Date.now }: RunStarterOptions) {
    this.producer = producer;
    this.runsQueue = runsQueue;
    this.audit = audit;
    this.lock = lock;
    this.outbox = outbox;
    this.systems = systems;
    this.attempts = attempts;
    this.now = now;
  }

  async start(request: OffboardRequest): Promise<void> {
    // A start left from an approval since voided (the request was rescheduled: its process died
    // before removing it, or it fired while the request waited and did nothing) must not hold the
    // id this approval's start takes, nor its old time.
    if (!request.runStartedAt) await this.unschedule(request.id, ['delayed', 'waiting', 'completed', 'failed']);
    await this.ensureRound(request, 1, { phase: firstPhase(request), keepPerson: request.reason === 'role_change' });
  }

  /** Runs a further round granted on the request (a retry, the deletion, a reinstatement), on behalf of its `by`. */
  async next(request: OffboardRequest, next: NonNullable<OffboardRequest['nextRound']>): Promise<void> {
    await this.ensureRound(request, next.round, { phase: next.phase, only: new Set(next.steps), by: next.by });
  }

  /**
   * Removes the approved run's identification while it waits for the effective time (a cancelled or
   * rescheduled request), or, with `states`, in those states too; one already running is stopped by
   * the request's status instead (see identifyRound).
   */
  async unschedule(requestId: string, states: readonly string[] = ['delayed']): Promise<void> {
    const job = await this.runsQueue.getJob(identifyJobId(requestId, 1));
    // One that became active meanwhile cannot be removed: it reads the request and starts nothing early.
    if (job && states.includes(await job.getState())) await job.remove().catch(() => undefined);
  }

  /** The steps a phase of this request covers, by id: what a deletion or reinstatement round plans. */
  stepsOf(request: OffboardRequest, phase: Phase): string[] {
    return planSteps(this.systems, { phase, keepPerson: request.reason === 'role_change' }).map(stepId);
  }

  /**
   * Plans round `round` unless the trail already has it (a planned round keeps its steps), then
   * moves it on: its identification, or its steps once every system of it is identified.
   */
  async ensureRound(request: OffboardRequest, round: number, plan?: PlanOptions & { by?: string }): Promise<void> {
    await this.lock.with('run', request.id, async () => {
      let trail = await this.audit.read(request.id);
      if (!roundOf(runView(trail), round)) {
        if (!plan) throw new Error(`round ${round} of ${request.id} is not planned and no plan was given`);
        const now = this.now();
        const startsAt = request.effectiveAt && Date.parse(request.effectiveAt) > now ? request.effectiveAt : new Date(now).toISOString();
        const steps = planSteps(this.systems, plan);
        const notCovered = notCoveredBy(this.systems, steps);
        await this.audit.append(request.id, { type: 'run.planned', round, phase: plan.phase, steps, startsAt, by: plan.by, notCovered });
        trail = await this.audit.read(request.id);
      }
      if (identificationDone(runView(trail), round)) await this.enqueueSteps(request, round, trail);
      else {
        const job = identifyJob(request, round, { attempts: this.attempts, now: this.now() });
        await this.runsQueue.add(job.name, job.data, job.opts);
      }
    });
    await this.outbox.refreshChecklist(request.id);
  }

  /**
   * Enqueues the round's steps of every system the person was identified in; the steps of a
   * system where they could not be looked up fail at once, with the reason, so the round still
   * finishes and offers a retry. Idempotent.
   */
  async enqueueSteps(request: OffboardRequest, round: number, trail: AuditRecord[]): Promise<void> {
    const planned = roundOf(runView(trail), round);
    if (!planned) throw new Error(`round ${round} of ${request.id} is not planned`);
    const failures = planned.lookupFailures;
    for (const ref of planned.steps) {
      const error = failures.get(ref.system);
      if (error && !planned.ended.has(stepId(ref)))
        await this.audit.appendOnce(request.id, `${stepFactKey(round, stepId(ref))}:ended`, {
          type: 'step.failed',
          stepId: stepId(ref),
          attempt: 0,
          error: `the person could not be looked up: ${error}`,
        });
    }
    const steps = planned.steps.filter((ref) => !failures.has(ref.system));
    await this.producer.add(buildStepFlow(request, this.systems, steps, { round, attempts: this.attempts }));
  }
}

/**
 * What access ending means for this request: deleted at once, or disabled first so the grace
 * period can end in deletion or reinstatement. A role change disables and keeps the person.
 */
export function firstPhase(request: OffboardRequest): Phase {
  return request.disposition.kind === 'delete_now' && request.reason !== 'role_change' ? 'delete' : 'disable';
}

/** Round `round` as the trail planned it, and the systems of its steps: what identifying the round (identify-round.ts) asks for. */
