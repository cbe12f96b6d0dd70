import type { FlowProducer } from 'bullmq';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { ChecklistPublisher } from '../checklist/checklist-publisher.js';
import { buildRunFlow, type RunPlan } from '../queue/run-flow.js';
import type { OffboardRequest } from '../requests/request.js';

/** Turns an approved request into its revocation flow, announced in the trail before any step runs. */
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
    const now = this.now();
    const { flow, steps } = buildRunFlow(request, this.plan, { scopes: this.scopes, attempts: this.attempts, now });
    const startsAt = request.effectiveAt && Date.parse(request.effectiveAt) > now ? request.effectiveAt : new Date(now).toISOString();
    await this.audit.append(request.id, { type: 'run.planned', steps, startsAt });
    await this.checklist.refresh(request.id);
    await this.producer.add(flow);
  }

  describe() {
    return {
      scopes: this.scopes,
      touches: [...this.plan.children, this.plan.parent].map((j) => j.title.toLowerCase()),
    };
  }
}
