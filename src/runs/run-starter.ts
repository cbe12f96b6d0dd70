import type { FlowProducer } from 'bullmq';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { ChecklistPublisher } from '../checklist/checklist-publisher.js';
import { buildRunFlow, type RunPlan } from '../queue/run-flow.js';
import type { OffboardRequest } from '../requests/request.js';

/** Turns an approved request (or a retry of its failed steps) into a revocation flow, announced in the trail before any step runs. */
export class RunStarter {
  constructor(
    private readonly producer: FlowProducer,
    private readonly audit: AuditTrail,
    private readonly checklist: ChecklistPublisher,
    private readonly plan: RunPlan,
    private readonly scopes: string[],
    private readonly attempts: number,
    private readonly now: () => number = Date.now,
  ) {}

  async start(request: OffboardRequest): Promise<void> {
    await this.enqueue(request, 1);
  }

  /** Runs the given steps again as round `round`, on behalf of `by`. */
  async retry(request: OffboardRequest, stepIds: string[], round: number, by: string): Promise<void> {
    await this.enqueue(request, round, new Set(stepIds), by);
  }

  private async enqueue(request: OffboardRequest, round: number, only?: ReadonlySet<string>, by?: string): Promise<void> {
    const now = this.now();
    const { flow, steps } = buildRunFlow(request, this.plan, { scopes: this.scopes, attempts: this.attempts, now, round, only });
    const startsAt = request.effectiveAt && Date.parse(request.effectiveAt) > now ? request.effectiveAt : new Date(now).toISOString();
    await this.audit.append(request.id, { type: 'run.planned', round, steps, startsAt, by });
    await this.checklist.refresh(request.id);
    await this.producer.add(flow);
  }

}
