import type { AuditRecord } from '../audit/audit-event.js';
import { stepProgress, type StepProgress } from '../checklist/step-progress.js';
import type { EvidenceInput } from './evidence-report.js';
import { Layout } from './pdf-layout.js';

/** What every section needs: the input, the folded step state and display-name lookups. */
export interface ReportContext {
  input: EvidenceInput;
  layout: Layout;
  steps: StepProgress[];
  /** "Name (U123)" when the id is known, else the id as recorded. */
  person(id: string): string;
  /** "Account name (scope)" when known, else the scope. */
  scopeLabel(scope: string): string;
  /** "API keys · Account name" for a planned step id, else the id. */
  stepLabel(stepId: string): string;
  eventsOf<T extends AuditRecord['type']>(type: T, stepId?: string): Array<Extract<AuditRecord, { type: T }>>;
}

export function reportContext(input: EvidenceInput, layout: Layout): ReportContext {
  const { request, trail, accountNames = {}, people = {} } = input;
  const names: Record<string, string> = {
    [request.subject.slackUserId]: request.subject.name,
    [request.requester.slackUserId]: request.requester.name,
    ...people,
  };
  const steps = stepProgress(trail);
  const byId = new Map(steps.map((s) => [s.id, s]));
  return {
    input,
    layout,
    steps,
    person: (id) => (names[id] ? `${names[id]} (${id})` : id),
    scopeLabel: (scope) => (accountNames[scope] ? `${accountNames[scope]} (${scope})` : scope),
    stepLabel: (id) => {
      const s = byId.get(id);
      return s ? `${s.ref.title} · ${accountNames[s.ref.scope] ?? s.ref.scope}` : id;
    },
    eventsOf: <T extends AuditRecord['type']>(type: T, stepId?: string) =>
      trail.filter(
        (e): e is Extract<AuditRecord, { type: T }> =>
          e.type === type && (stepId === undefined || ('stepId' in e && e.stepId === stepId)),
      ),
  };
}
