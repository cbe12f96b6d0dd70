import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { AuditRecord } from '../audit/audit-event.js';
import { currentRound, stepProgress } from '../checklist/step-progress.js';
import type { StepCapabilities } from '../connectors/connector.js';
import { stepId, type StepRef } from '../connectors/step-ref.js';
import { PermanentError, RetryableError } from '../connectors/step-errors.js';
import type { SystemModule } from '../connectors/system.js';
import { stepJobDataSchema } from '../queue/queue-names.js';
import { identitiesOf } from './identities.js';
import type { RunDeps } from './run-deps.js';
import { retryDelay } from './retry-delay.js';
import { actOnStep, readBackOnce, type PhaseStep } from './run-step.js';

export interface StepJobSpec<C> {
  system: SystemModule<C>;
  step: string;
  title: string;
  /** Runs after the scope's other steps have finished: removing the person from the account itself. */
  closing?: boolean;
  connect(client: C, scope: string): StepCapabilities;
}

export interface StepJob {
  system: SystemModule<unknown>;
  step: string;
  title: string;
  closing: boolean;
  /** The BullMQ job name, e.g. "ibm-cloud.api-keys". */
  name: string;
  ref(scope: string): StepRef;
  /** The step's capabilities with the client of a connected system. */
  capabilities(deps: RunDeps, scope: string): StepCapabilities;
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
export function defineStepJob<C>(spec: StepJobSpec<C>): StepJob {
  const capabilities = (deps: RunDeps, scope: string) => {
    const connected = deps.systems.get(spec.system.id);
    if (!connected) throw new PermanentError(`${spec.system.title} is switched off in this worker's configuration (${spec.system.switchedOnBy} is not set)`);
    return spec.connect(connected.client as C, scope);
  };
  return {
    system: spec.system as SystemModule<unknown>,
    step: spec.step,
    title: spec.title,
    closing: spec.closing ?? false,
    name: `${spec.system.id}.${spec.step}`,
    ref: (scope) => ({ system: spec.system.id, scope, step: spec.step, title: spec.title, systemTitle: spec.system.title, scopeNoun: spec.system.scopeNoun }),
    capabilities,
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
        scope: data.scope,
        person: { requestId, slackUserId: request.subject.slackUserId, email: request.subject.email },
        identities: identitiesOf(trail, data.system, round),
        // Unique per round and execution (a stalled re-run is an execution of its own), so each
        // call the target system logged maps to exactly one execution here.
        transactionId: `offboard-${requestId}-${id}${round > 1 ? `-r${round}` : ''}-a${execution}`,
      };
      try {
        const step = action(capabilities(deps, data.scope), spec.step);
        let verify = data.verify;
        if (!verify) {
          await deps.audit.append(requestId, { type: 'step.started', stepId: id, attempt: execution });
          await deps.outbox.refreshChecklist(requestId);
          await actOnStep(step, ctx, stepProgress(trail).find((p) => p.id === id), deps.audit);
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

/** What this run does with the step: today, the final removal. */
function action(capabilities: StepCapabilities, step: string): PhaseStep {
  if (!capabilities.delete) throw new PermanentError(`step ${step} cannot remove anything`);
  return { inventory: capabilities.inventory, ...capabilities.delete };
}
