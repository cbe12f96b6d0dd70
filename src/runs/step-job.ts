import { UnrecoverableError, type Job } from 'bullmq';
import type { RevocationStep } from '../connectors/connector.js';
import { currentRound } from '../checklist/step-progress.js';
import { stepId, type StepRef } from '../connectors/step-ref.js';
import { PermanentError, RetryableError } from '../connectors/step-errors.js';
import { stepJobDataSchema } from '../queue/queue-names.js';
import type { RunDeps } from './run-deps.js';
import { retryDelay } from './retry-delay.js';
import { runStep } from './run-step.js';

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
  process(job: Job, deps: RunDeps): Promise<void>;
}

/**
 * Wraps a connector step as a BullMQ processor. This is the one place where failures are
 * recorded and turned into BullMQ outcomes: a RetryableError is retried with backoff (the
 * delay rides on the thrown error so the audit trail states exactly what BullMQ will do),
 * anything permanent, or the last attempt, fails the step for good.
 */
export function defineStepJob(spec: StepJobSpec): StepJob {
  return {
    ...spec,
    name: `${spec.system}.${spec.step}`,
    ref: (scope) => ({ system: spec.system, scope, step: spec.step, title: spec.title }),
    async process(job, deps) {
      const data = stepJobDataSchema.parse(job.data);
      const id = stepId(data);
      const attempt = job.attemptsMade + 1;
      const { requestId } = data;
      const [request, trail] = await Promise.all([deps.store.mustGet(requestId), deps.audit.read(requestId)]);
      const scopePrefix = `${data.system}.${data.scope}.`;
      const knownIdentity = trail.findLast((e) => e.type === 'step.inventoried' && e.stepId.startsWith(scopePrefix) && e.identity);
      // Unique per round and attempt, so each call the target system logged maps to one attempt here.
      const { round } = currentRound(trail);
      const transactionId = `offboard-${requestId}-${id}${round > 1 ? `-r${round}` : ''}-a${attempt}`;
      await deps.audit.append(requestId, { type: 'step.started', stepId: id, attempt });
      await deps.checklist.refresh(requestId);
      try {
        await runStep(
          spec.connect(deps, data.scope),
          {
            requestId,
            stepId: id,
            email: request.subject.email,
            knownIdentity: knownIdentity?.type === 'step.inventoried' ? knownIdentity.identity : undefined,
            transactionId,
          },
          deps.audit,
          deps.verify,
        );
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const maxAttempts = job.opts.attempts ?? 1;
        if (err instanceof PermanentError || attempt >= maxAttempts) {
          await deps.audit.append(requestId, { type: 'step.failed', stepId: id, attempt, error: message });
          await deps.checklist.refresh(requestId);
          throw new UnrecoverableError(message);
        }
        const retryInMs = retryDelay(attempt, deps.retryBaseMs, err);
        await deps.audit.append(requestId, { type: 'step.retrying', stepId: id, attempt, error: message, retryInMs });
        await deps.checklist.refresh(requestId);
        throw new RetryableError(message, retryInMs);
      }
      await deps.checklist.refresh(requestId);
    },
  };
}
