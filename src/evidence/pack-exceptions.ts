import type { AuditRecord } from '../audit/audit-event.js';
import { foundNothingAnywhere, type StepProgress } from '../runs/run-view.js';

/** Something an auditor must look at, with what was done about it. */
export interface PackException {
  kind: 'step_failed' | 'step_retried' | 'identity_lookup_failed' | 'found_nothing' | 'approval_refused' | 'repaired' | 'residual_access' | 'step_not_checked';
  at: string;
  subject: string;
  detail: string;
  resolution: string;
}

export function exceptionsOf(trail: AuditRecord[], steps: StepProgress[]): PackException[] {
  const out: PackException[] = [];
  const byId = new Map(steps.map((s) => [s.id, s]));
  const retried = new Set<string>();
  for (const e of trail) {
    switch (e.type) {
      case 'step.retrying':
        if (retried.has(e.stepId)) break;
        retried.add(e.stepId);
        out.push({
          kind: 'step_retried',
          at: e.at,
          subject: e.stepId,
          detail: `attempt ${e.attempt}: ${e.error}`,
          resolution: resolutionOf(byId.get(e.stepId), 'retried automatically'),
        });
        break;
      case 'step.failed':
        out.push({
          kind: 'step_failed',
          at: e.at,
          subject: e.stepId,
          detail: `attempt ${e.attempt}: ${e.error}`,
          resolution: resolutionOf(byId.get(e.stepId), 'failed for good'),
        });
        break;
      case 'identities.failed':
        out.push({
          kind: 'identity_lookup_failed',
          at: e.at,
          subject: e.system,
          detail: e.error,
          resolution: `the steps of ${e.system} in round ${e.round} failed with this reason; an approver can retry them`,
        });
        break;
      case 'approval.refused':
        out.push({
          kind: 'approval_refused',
          at: e.at,
          subject: e.actor,
          detail: `tried to ${e.what ?? e.action}: ${e.reason}`,
          resolution: 'refused; nothing was changed',
        });
        break;
      case 'step.unchecked':
        out.push({
          kind: 'step_not_checked',
          at: e.at,
          subject: e.stepId,
          detail: `could not look in its scope: ${e.reason}`,
          resolution:
            'nothing there was read, changed or verified; not retried (retrying does not help): fix the configuration the reason names, or check by hand',
        });
        break;
      case 'run.reconciled':
        out.push({ kind: 'repaired', at: e.at, subject: e.action, detail: e.detail, resolution: 'repaired by the reconciler' });
        break;
      default:
        if (/residual/.test(e.type))
          out.push({
            kind: 'residual_access',
            at: e.at,
            subject: e.type,
            detail: JSON.stringify(withoutType(e)),
            resolution: 'see the residual access in the timeline',
          });
    }
  }
  if (foundNothingAnywhere(steps)) {
    out.push({
      kind: 'found_nothing',
      at: trail.at(-1)?.at ?? '',
      subject: 'all systems',
      detail: 'no identity or access was found for the person in any system',
      resolution: 'if the person uses another email there, their access was not touched: offboard that identity too',
    });
  }
  return out;
}

function resolutionOf(step: StepProgress | undefined, what: string): string {
  if (!step) return what;
  if (step.state === 'verified')
    return `${what}; the step was then ${step.verification?.by === 'listing' ? 'verified by its listing (nothing left to change)' : 'verified by read-back'}`;
  if (step.state === 'failed') return `${what}; the step is still failed: an approver can retry it once the cause is fixed`;
  return `${what}; the step is ${step.state}`;
}

function withoutType(e: AuditRecord): Record<string, unknown> {
  const { type: _type, seq: _seq, at: _at, ...rest } = e as unknown as Record<string, unknown>;
  return rest;
}
