import type { FlowProducer } from 'bullmq';
import type { AuditRecord } from '../audit/audit-event.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { stepId } from '../connectors/step-ref.js';
import { buildRunFlow, type RunPlan } from '../queue/run-flow.js';
import type { RequestLock } from '../request-lock.js';
import type { OffboardRequest } from '../requests/request.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';

/**
 * Turns an approved request (or a retry of its failed steps) into a revocation flow, announced in
 * the trail before any step runs. Safe to call again for the same round at any time (job ids are
 * derived from request, round and step, and the round is planned once under a per-request lock),
 * which is what lets the reconciler finish what a crash interrupted.
 */
export class RunStarter {
  constructor(
    private readonly producer: FlowProducer,
    private readonly audit: AuditTrail,
    private readonly lock: RequestLock,
    private readonly outbox: SlackOutbox,
    private readonly plan: RunPlan,
    private readonly scopes: string[],
    private readonly attempts: number,
    private readonly now: () => number = Date.now,
  ) {}

  async start(request: OffboardRequest): Promise<void> {
    await this.ensureRound(request, 1);
  }

  /** Runs the given steps again as round `round`, on behalf of `by`. */
  async retry(request: OffboardRequest, stepIds: string[], round: number, by: string): Promise<void> {
    await this.ensureRound(request, round, new Set(stepIds), by);
  }

  /**
   * Plans round `round` unless the trail already has it, then enqueues its flow (a no-op for jobs
   * that exist). A round that is already planned keeps its planned steps.
   */
  async ensureRound(request: OffboardRequest, round: number, only?: ReadonlySet<string>, by?: string): Promise<void> {
    await this.lock.with('run', request.id, async () => {
      const trail = await this.audit.read(request.id);
      const planned = plannedRound(trail, round);
      const steps = planned ? new Set(planned.steps.map(stepId)) : only;
      const now = this.now();
      const built = buildRunFlow(request, this.plan, { scopes: this.scopes, attempts: this.attempts, now, round, only: steps });
      if (!planned) {
        const startsAt = request.effectiveAt && Date.parse(request.effectiveAt) > now ? request.effectiveAt : new Date(now).toISOString();
        await this.audit.append(request.id, { type: 'run.planned', round, steps: built.steps, startsAt, by });
      }
      await this.producer.add(built.flow);
    });
    await this.outbox.refreshChecklist(request.id);
  }
}

export function plannedRound(trail: AuditRecord[], round: number) {
  const e = trail.find((r) => r.type === 'run.planned' && r.round === round);
  return e?.type === 'run.planned' ? e : undefined;
}
