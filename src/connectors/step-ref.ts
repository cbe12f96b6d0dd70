/**
 * One unit of revocation work: a step of one system in one scope (an IBM Cloud account).
 * Its `id` doubles as the suffix of the BullMQ job id, so it must never contain ':'.
 */
export interface StepRef {
  system: string;
  scope: string;
  step: string;
  /** Human title shown in the checklist and the report, e.g. "API keys". */
  title: string;
}

export function stepId(ref: Pick<StepRef, 'system' | 'scope' | 'step'>): string {
  return `${ref.system}.${ref.scope}.${ref.step}`;
}
