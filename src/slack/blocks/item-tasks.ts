import { itemTaskCode, openItems } from '../../runs/item-tasks.js';
import type { StepProgress } from '../../runs/run-view.js';
import { taskButtonValue } from '../payloads.js';
import type { Claim } from './block-budget.js';
import { cut, escapeText, plain, slackDate, user } from './block-kit.js';
import { ACTIONS } from './ids.js';
import { consoleLink } from './rotation-tasks.js';

/** Open items with their own buttons at most; beyond, they are counted (the next ones get buttons as these are attested). */
export const ITEM_BUTTONS = 10;
/** Items named under their step; the evidence lists every one. */
const ITEMS_SHOWN = 10;

/** Under a step whose items are tasks, each item: open, or how it was attested, by whom and when. */
export function itemLines(s: Pick<StepProgress, 'items'>): string {
  const items = s.items ?? [];
  const lines = items.slice(0, ITEMS_SHOWN).map((i) => {
    // Made a link only when it is a plain https address (see consoleLink): never outside text inside link markup.
    const what = `${escapeText(i.label)}${i.link ? ` (${consoleLink(i.link, 'console')})` : ''}`;
    const a = i.attestation;
    if (!a) return `\n   :raised_hand: ${what}: open`;
    const how = a.outcome === 'done' ? 'done' : `not applicable (${escapeText(a.note ?? '')})`;
    return `\n   :ballot_box_with_check: ${what}: ${how}, attested by ${user(a.by)} ${slackDate(a.at)}`;
  });
  const more = items.length > ITEMS_SHOWN ? `\n   …and ${items.length - ITEMS_SHOWN} more, each in the evidence` : '';
  return `${lines.join('')}${more}`;
}

/**
 * Done and Not applicable for each open item of the open steps whose items are tasks, up to `buttons`
 * of them; the rest are counted as `beyond` (the next ones get buttons as these are attested). The
 * listener decides at click time who may attest.
 */
export function itemTaskBlocks(requestId: string, open: readonly StepProgress[], buttons = ITEM_BUTTONS): Claim {
  const items = open.flatMap((s) => (s.items ? openItems(s).map((i) => ({ s, i })) : []));
  const rows = items.slice(0, buttons).map(({ s, i }) => {
    const value = taskButtonValue(requestId, s.id, itemTaskCode(s.id, i.id));
    const block = {
      type: 'actions',
      block_id: `item.${itemTaskCode(s.id, i.id)}`,
      elements: [
        { type: 'button', action_id: ACTIONS.taskDone, value, style: 'primary', text: plain(cut(`Done: ${i.label}`, 75)) },
        { type: 'button', action_id: ACTIONS.taskNotApplicable, value, text: plain('Not applicable…') },
      ],
    };
    return { block, tasks: 1 };
  });
  return { noun: 'open item', nouns: 'open items', rows, beyond: items.length - rows.length };
}
