/**
 * One unit of revocation work: a step of one system in one scope (a cloud account, a
 * workspace). Its `id` doubles as the suffix of the BullMQ job id, so it must never contain ':'.
 * It is stored in the trail as planned, with the names it is shown under, so the checklist and
 * the evidence render from the trail alone.
 */
export interface StepRef {
  system: string;
  scope: string;
  step: string;
  /** Human title shown in the checklist and the report, e.g. "API keys". */
  title: string;
  /** The system's name, as its module titles it (absent in trails written before systems were named). */
  systemTitle?: string;
  /** What a scope of the system is called, e.g. "account". */
  scopeNoun?: string;
  /**
   * A review a person makes before the step can end (which SSH keys are the person's): the button
   * the checklist shows beside the step until it is verified, routed to the system's feature.
   */
  review?: { actionId: string; label: string; sameLookAs?: string };
}

export function stepId(ref: Pick<StepRef, 'system' | 'scope' | 'step'>): string {
  return `${ref.system}.${ref.scope}.${ref.step}`;
}

/** The system's name, for messages. */
export function systemTitle(ref: StepRef): string {
  return ref.systemTitle ?? ref.system;
}

/** Where in the system, for messages: "account `a1b2…`"; a system with one scope named after its noun is just "workspace". */
export function scopeLabel(ref: StepRef, code: (s: string) => string = (s) => s): string {
  const noun = ref.scopeNoun ?? 'scope';
  return ref.scope === noun ? noun : `${noun} ${code(ref.scope)}`;
}
