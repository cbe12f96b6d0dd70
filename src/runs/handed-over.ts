import { itemKey } from '../connectors/connector.js';
import { scopeLabel, systemTitle } from '../connectors/step-ref.js';
import type { RunView } from './run-view.js';

/** One item the person created and the run left working for their successor, as its step found it. */
export interface HandedOverItem {
  /** The system and where in it, as the checklist names them: "<system> account a1b2…". */
  where: string;
  label: string;
  id: string;
  lastUsed?: string;
  useCount?: number;
  /** Where the successor manages it, in the system's console. */
  link?: string;
}

/**
 * Everything the run's removing phases kept on purpose (`kept`: left working for the successor),
 * each once however many phases and rounds kept it, with its last use and console link from what
 * the step found. Nothing a reinstatement did counts: it hands nothing over.
 */
export function handedOverItems(view: RunView): HandedOverItem[] {
  const items = new Map<string, HandedOverItem>();
  for (const step of view.steps) {
    if (step.phase === 'reinstate') continue;
    const found = new Map((step.found ?? []).map((f) => [itemKey(f), f]));
    for (const change of step.changes ?? []) {
      const key = `${step.id}/${itemKey(change)}`;
      if (change.outcome !== 'kept' || items.has(key)) continue;
      const seen = found.get(itemKey(change));
      items.set(key, {
        where: `${systemTitle(step.ref)} ${scopeLabel(step.ref)}`,
        label: change.label,
        id: change.id,
        ...(seen?.lastUsed ? { lastUsed: seen.lastUsed } : {}),
        ...(seen?.useCount !== undefined ? { useCount: seen.useCount } : {}),
        ...(seen?.link ? { link: seen.link } : {}),
      });
    }
  }
  return [...items.values()];
}
