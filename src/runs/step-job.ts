import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { AuditRecord } from '../audit/audit-event.js';
import { currentRound, stepProgress } from '../checklist/step-progress.js';
import type { RevocationStep } from '../connectors/connector.js';
import { stepId, type StepRef } from '../connectors/step-ref.js';
import { PermanentError, RetryableError } from '../connectors/step-errors.js';
import { stepJobDataSchema } from '../queue/queue-names.js';
import type { RunDeps } from './run-deps.js';
import { retryDelay } from './retry-delay.js';
import { actOnStep, readBackOnce } from './run-step.js';

export interface StepJobSpec {
  system: string;
  step: string;
  title: string;
  connect(deps: RunDeps, scope: string): RevocationStep;
}

export interface StepJob extends StepJobSpec {
  /** The BullMQ job name, e.g. "ibm-cloud.api-keys". */
  name: string;
  ref(scope: string): StepRef;
  process(job: Job, deps: RunDeps, token?: string): Promise<void>;
}

/**
 * Wraps a connector step as a BullMQ processor, in two phases kept in the job's data: act
 * (inventory and revoke, resuming what an earlier execution began), then read back, one
 * read-back per execution with the pauses between them spent as a delayed job, not in a worker
 * slot. This is the one place where failures are recorded and turned into BullMQ outcomes: a
 * RetryableError is retried with capped backoff (the delay rides on the thrown error so the
 * trail states exactly what BullMQ will do); anything permanent, or the last attempt, fails the
 * step for good.
 */
export function defineStepJob(spec: StepJobSpec): StepJob {
  return {
    ...spec,
    name: `${spec.system}.${spec.step}`,
    ref: (scope) => ({ system: spec.system, scope, step: spec.step, title: spec.title }),
    async process(job, deps, token) {
      const data = stepJobDataSchema.parse(job.data);
      const id = stepId(data);
      const { requestId } = data;
      const [request, trail] = await Promise.all([deps.store.mustGet(requestId), deps.audit.read(requestId)]);
      const { round } = currentRound(trail);
      const execution = executionsInRound(trail, id) + (data.verify ? 0 : 1);
      const ctx = {
        requestId,
        stepId: id,
        email: request.subject.email,
        knownIdentity: knownIdentity(trail, `${data.system}.${data.scope}.`),
        // Unique per round and execution (a stalled re-run is an execution of its own), so each
        // call the target system logged maps to exactly one execution here.
        transactionId: `offboard-${requestId}-${id}${round > 1 ? `-r${round}` : ''}-a${execution}`,
      };
      const step = spec.connect(deps, data.scope);
      try {
        let verify = data.verify;
        if (!verify) {
          await deps.audit.append(requestId, { type: 'step.started', stepId: id, attempt: execution });
          await deps.outbox.refreshChecklist(requestId);
          await actOnStep(step, ctx, stepProgress(trail).find((s) => s.id === id), deps.audit);
          verify = { startedAt: Date.now(), checks: 0, pauseMs: deps.verify.intervalMs };
          await job.updateData({ ...data, verify });
        }
        const outcome = await readBackOnce(step, ctx, verify, deps.verify, deps.audit);
        if (outcome.kind === 'verified') {
          await deps.outbox.refreshChecklist(requestId);
          return;
        }
        await job.updateData({ ...data, verify: outcome.next });
        await job.moveToDelayed(Date.now() + verify.pauseMs, token);
        throw new DelayedError();
      } catch (err) {
        if (err instanceof DelayedError) throw err;
        const message = err instanceof Error ? err.message : String(err);
        const attempt = job.attemptsMade + 1;
        const maxAttempts = job.opts.attempts ?? 1;
        if (err instanceof PermanentError || attempt >= maxAttempts) {
          await deps.audit.append(requestId, { type: 'step.failed', stepId: id, attempt: execution, error: message });
          await deps.outbox.refreshChecklist(requestId);
          throw new UnrecoverableError(message);
        }
        const retryInMs = retryDelay(attempt, deps.retry, err);
        await deps.audit.append(requestId, { type: 'step.retrying', stepId: id, attempt: execution, error: message, retryInMs });
        await deps.outbox.refreshChecklist(requestId);
        throw new RetryableError(message, retryInMs);
      }
    },
  };
}

/** How many executions of the step the current round has started so far. */
function executionsInRound(trail: AuditRecord[], id: string): number {
  const start = trail.findLastIndex((e) => e.type === 'run.planned');
  return trail.slice(start + 1).filter((e) => e.type === 'step.started' && e.stepId === id).length;
}

/** The person's id in this scope as any earlier step recorded it: they can no longer be found by email once removed. */
function knownIdentity(trail: AuditRecord[], scopePrefix: string): string | undefined {
  const e = trail.findLast((r) => r.type === 'step.inventoried' && r.stepId.startsWith(scopePrefix) && r.identity);
  return e?.type === 'step.inventoried' ? e.identity : undefined;
}
