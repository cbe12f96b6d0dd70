import type { Job } from 'bullmq';
import type { PreviewItem } from '../src/audit/audit-event.js';
import { requestJobDataSchema } from '../src/queue/queue-names.js';
import type { RunDeps } from '../src/runs/run-deps.js';
import { IBM_CLOUD_PLAN } from './plan.js';

/**
 * Before anyone approves: inventories every step in every account, read-only, so the approval
 * message shows what the person holds, or that they were found nowhere (the wrong person, or
 * another email). A system that cannot be checked says why; it never blocks the approval.
 */
export async function processPreview(job: Job, deps: RunDeps): Promise<void> {
  const { requestId } = requestJobDataSchema.parse(job.data);
  const [request, trail] = await Promise.all([deps.store.mustGet(requestId), deps.audit.read(requestId)]);
  if (trail.some((e) => e.type === 'request.previewed')) return;
  const steps = deps.scopes.flatMap((scope) => [...IBM_CLOUD_PLAN.children, IBM_CLOUD_PLAN.parent].map((step) => ({ step, scope })));
  const items = await Promise.all(
    steps.map(async ({ step, scope }): Promise<PreviewItem> => {
      const ref = step.ref(scope);
      try {
        const { found, note } = await step.connect(deps, scope).inventory({ requestId, transactionId: `offboard-${requestId}-preview`, email: request.subject.email });
        return { ref, found, note };
      } catch (err) {
        return { ref, found: [], error: (err as Error).message };
      }
    }),
  );
  await deps.audit.append(requestId, { type: 'request.previewed', items });
  await deps.outbox.refreshApproval(requestId);
}
