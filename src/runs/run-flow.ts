import type { FlowJob, JobsOptions } from 'bullmq';
import type { Phase } from '../audit/audit-event.js';
import type { StepRef } from '../connectors/step-ref.js';
import { stepId } from '../connectors/step-ref.js';
import type { OffboardRequest } from '../requests/request.js';
import type { StepJob } from './step-job.js';
import { FINISH_RUN_JOB, IDENTIFY_JOB, QUEUES, type StepJobData } from '../queue/queue-names.js';

/** A system as one run covers it: its configured scopes and its steps, in display order. */
export interface PlannedSystem {
  id: string;
  title: string;
  scopeNoun: string;
  scopes: string[];
  steps: StepJob[];
  /** The phases a step takes part in, in a scope: read from its capabilities (src/runs/step-phases.ts). */
  phasesOf(step: StepJob, scope: string): readonly Phase[];
  /** What the system says offboarding it does not reach (its module's `notCovered`). */
  notCovered: readonly string[];
}

/** What the systems of these planned steps do not reach, in their own words: each statement once, in the order of the systems. */
export function notCoveredBy(systems: readonly PlannedSystem[], steps: readonly StepRef[]): string[] {
  const planned = new Set(steps.map((s) => s.system));
  return [...new Set(systems.filter((s) => planned.has(s.id)).flatMap((s) => s.notCovered))];
}

export interface PlanOptions {
  phase: Phase;
  /** A role change keeps the person: steps that end their identity, or act on what they created, are left out. */
  keepPerson?: boolean;
  /** Step ids to plan (a retry of failed steps); all when omitted. */
  only?: ReadonlySet<string>;
}

/** Every step a round of these systems covers in its phase, in the order the checklist shows them. */
export function planSteps(systems: readonly PlannedSystem[], { phase, keepPerson, only }: PlanOptions): StepRef[] {
  return systems.flatMap((system) =>
    system.scopes.flatMap((scope) =>
      [...system.steps.filter((s) => !s.closing), ...system.steps.filter((s) => s.closing)]
        .filter((s) => system.phasesOf(s, scope).includes(phase) && !(keepPerson && (s.endsIdentity || s.createdByPerson)))
        .map((s) => s.ref(scope))
        .filter((ref) => !only || only.has(stepId(ref))),
    ),
  );
}

/**
 * The jobs of one round's steps: a finishing parent over one subtree per scope, where a closing
 * step (removing the person from the account) waits for the scope's other steps, except those whose
 * items people attest, which only the round's end waits for. Job ids are
 * derived from the request, round and step, so enqueuing the same round twice adds nothing.
 * Children never hold their parent hostage: a step that fails for good is recorded and the run
 * still finishes with a report that shows it.
 */
export function buildStepFlow(
  request: OffboardRequest,
  systems: readonly PlannedSystem[],
  steps: readonly StepRef[],
  opts: { round: number; attempts: number },
): FlowJob {
  const wanted = new Set(steps.map(stepId));
  const node = (job: StepJob, scope: string, children?: FlowJob[]): FlowJob => {
    const ref = job.ref(scope);
    const data: StepJobData = { requestId: request.id, system: ref.system, scope: ref.scope, step: ref.step, title: ref.title };
    return {
      name: job.name,
      queueName: QUEUES.revocations,
      data,
      opts: { ...jobOptions(stepJobId(request.id, opts.round, stepId(ref)), opts.attempts), ignoreDependencyOnFailure: true },
      children,
    };
  };
  const children = systems.flatMap((system) =>
    system.scopes.flatMap((scope) => {
      const here = (job: StepJob) => wanted.has(stepId(job.ref(scope)));
      // Workers take steps in the order they are added: those that remove access before those that only report.
      const leaves = system.steps
        .filter((j) => !j.closing && !j.attestItems && here(j))
        .sort((a, b) => Number(a.reportsResidual) - Number(b.reportsResidual))
        .map((j) => node(j, scope));
      // Items people attest may wait days: they never hold back the closing step, only the round's end.
      const attested = system.steps.filter((j) => j.attestItems && here(j)).map((j) => node(j, scope));
      const closing = system.steps.filter((j) => j.closing && here(j));
      if (closing.length === 0) return [...leaves, ...attested];
      return [...closing.map((j, i) => node(j, scope, i === 0 && leaves.length ? leaves : undefined)), ...attested];
    }),
  );
  return {
    name: FINISH_RUN_JOB,
    queueName: QUEUES.runs,
    data: { requestId: request.id },
    opts: jobOptions(finishJobId(request.id, opts.round), opts.attempts),
    children,
  };
}

/** Finds the person in every system of the round, at its effective time, then enqueues its steps. */
export function identifyJob(request: OffboardRequest, round: number, opts: { attempts: number; now: number }) {
  const delay = request.effectiveAt ? Math.max(0, Date.parse(request.effectiveAt) - opts.now) : 0;
  return {
    name: IDENTIFY_JOB,
    data: { requestId: request.id, round },
    opts: { ...jobOptions(identifyJobId(request.id, round), opts.attempts), ...(delay > 0 ? { delay } : {}) },
  };
}

/** Job ids are derived, never drawn: enqueuing the same round again adds nothing. */
export function stepJobId(requestId: string, round: number, step: string): string {
  return `${roundPrefix(requestId, round)}.${step}`;
}

export function finishJobId(requestId: string, round: number): string {
  return `${roundPrefix(requestId, round)}.finish`;
}

export function identifyJobId(requestId: string, round: number): string {
  return `${roundPrefix(requestId, round)}.identify`;
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

/** What a run of these systems touches, in words an approver reads. */
export function describeRun(systems: readonly PlannedSystem[]): RunShape {
  return systems.map((s) => ({
    title: s.title,
    scopeNoun: s.scopeNoun,
    scopes: s.scopes,
    touches: [...s.steps.filter((j) => !j.closing), ...s.steps.filter((j) => j.closing)].map((j) => j.title),
  }));
}

export type RunShape = { title: string; scopeNoun: string; scopes: string[]; touches: string[] }[];
