import { recordsOf, runView, type RunView } from '../runs/run-view.js';
import type { EvidencePack, PackStep } from './evidence-pack.js';
import type { Layout } from './pdf-layout.js';

/** What every section of the PDF reads: the pack (its only source of facts) and the layout. */
export interface PdfContext {
  pack: EvidencePack;
  /** The read model of the trail the pack carries. */
  view: RunView;
  layout: Layout;
  /** The pack JSON's SHA-256, printed on every page. */
  jsonSha256: string;
  /** The signing key's id, or undefined for an unsigned pack. */
  keyId?: string;
  /** "Name (U123)": the Slack id is always beside the name, so a name the fonts cannot print still identifies the person. */
  person(id: string): string;
  stepLabel(stepId: string): string;
}

export function pdfContext(pack: EvidencePack, layout: Layout, jsonSha256: string, keyId?: string): PdfContext {
  const names: Record<string, string> = { ...pack.people };
  if (pack.request) {
    if (pack.request.subject.slack_user_id) names[pack.request.subject.slack_user_id] ??= pack.request.subject.name;
    if (pack.request.requester.slack_user_id) names[pack.request.requester.slack_user_id] ??= pack.request.requester.name;
  }
  const steps = new Map(pack.steps.map((s) => [s.id, s]));
  return {
    pack,
    view: runView(recordsOf(pack.chain.entries)),
    layout,
    jsonSha256,
    keyId,
    person: (id) => (names[id] ? `${names[id]} (${id})` : id),
    stepLabel: (id) => {
      const s = steps.get(id);
      return s ? `${s.title} · ${scopeText(s)}` : id;
    },
  };
}

export const scopeText = (s: PackStep): string =>
  s.scope === s.scope_noun ? `${s.system_title} ${s.scope_noun}` : `${s.system_title} ${s.scope_noun} ${s.scope}`;
