import type { FlowJob, JobsOptions } from 'bullmq';
import type { StepRef } from '../connectors/step-ref.js';
import { stepId } from '../connectors/step-ref.js';
import type { OffboardRequest } from '../requests/request.js';
import type { StepJob } from '../runs/step-job.js';
import { FINISH_RUN_JOB, QUEUES, type StepJobData } from './queue-names.js';

export interface RunPlan {
  /** Runs once per scope after its children: e.g. removing the person from the account. */
  parent: StepJob;
  children: StepJob[];
}

export interface RunOptions {
  scopes: string[];
  attempts: number;
  now: number;
  /** 1 for the approved run; a retry of failed steps is the next round. */
  round: number;
  /** Step ids to run; all when omitted. */
  only?: ReadonlySet<string>;
}

/**
 * The flow of one round of a request: a finishing parent over one subtree per scope. Job ids are
 * derived from the request, round and step, so enqueuing the same round twice adds nothing.
 * Children never hold their parent hostage: a step that fails for good is recorded and the run
 * still finishes with a report that shows it.
 */
export function buildRunFlow(request: OffboardRequest, plan: RunPlan, opts: RunOptions): { flow: FlowJob; steps: StepRef[] } {
  const delay = request.effectiveAt ? Math.max(0, Date.parse(request.effectiveAt) - opts.now) : 0;
  const steps: StepRef[] = [];
  const wanted = (job: StepJob, scope: string) => !opts.only || opts.only.has(stepId(job.ref(scope)));
  const node = (job: StepJob, scope: string, extra: JobsOptions, children?: FlowJob[]): FlowJob => {
    const ref = job.ref(scope);
    steps.push(ref);
    const data: StepJobData = { requestId: request.id, ...ref };
    return {
      name: job.name,
      queueName: QUEUES.revocations,
      data,
      opts: { ...jobOptions(stepJobId(request.id, opts.round, stepId(ref)), opts.attempts), ignoreDependencyOnFailure: true, ...extra },
      children,
    };
  };
  const children = opts.scopes.flatMap((scope) => {
    const leaves = plan.children.filter((c) => wanted(c, scope)).map((c) => node(c, scope, delay > 0 ? { delay } : {}));
    if (!wanted(plan.parent, scope)) return leaves;
    return [node(plan.parent, scope, leaves.length ? {} : delay > 0 ? { delay } : {}, leaves.length ? leaves : undefined)];
  });
  const flow: FlowJob = {
    name: FINISH_RUN_JOB,
    queueName: QUEUES.runs,
    data: { requestId: request.id },
    opts: jobOptions(finishJobId(request.id, opts.round), opts.attempts),
    children,
  };
  return { flow, steps: orderForDisplay(steps, plan) };
}

/** Job ids are derived, never drawn: enqueuing the same round again adds nothing. */
export function stepJobId(requestId: string, round: number, step: string): string {
  return `${roundPrefix(requestId, round)}.${step}`;
}

export function finishJobId(requestId: string, round: number): string {
  return `${roundPrefix(requestId, round)}.finish`;
}

function roundPrefix(requestId: string, round: number): string {
  return round === 1 ? requestId : `${requestId}.r${round}`;
}

function jobOptions(jobId: string, attempts: number): JobsOptions {
  return {
    jobId,
    attempts,
    // The delay is computed per failure in step-job.ts and carried on the error.
    backoff: { type: 'offboard' },
    removeOnComplete: { age: 30 * 24 * 3600 },
    removeOnFail: { age: 90 * 24 * 3600 },
  };
}

/** What a run of this plan touches, in words an approver reads. */
export function describeRun(plan: RunPlan, scopes: string[]): RunShape {
  return { scopes, touches: [...plan.children, plan.parent].map((j) => j.title) };
}

export interface RunShape {
  scopes: string[];
  touches: string[];
}

/** Per scope: the children in plan order, then the parent that closes the scope. */
function orderForDisplay(steps: StepRef[], plan: RunPlan): StepRef[] {
  const rank = new Map([...plan.children.map((c, i) => [c.step, i] as const), [plan.parent.step, plan.children.length]]);
  const scopes = [...new Set(steps.map((s) => s.scope))];
  return scopes.flatMap((scope) => steps.filter((s) => s.scope === scope).sort((a, b) => rank.get(a.step)! - rank.get(b.step)!));
}
