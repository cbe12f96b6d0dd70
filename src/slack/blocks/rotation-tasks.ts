import type { RotationTask } from '../../runs/handed-over.js';
import { rotationButtonValue } from '../payloads.js';
import { cut, escapeText, fitLines, plain, section, slackDate, user } from './block-kit.js';
import { ACTIONS } from './ids.js';

/** Open tasks with their own buttons; beyond, they are counted (an approver closes them as the ones shown get closed). */
export const ROTATION_BUTTONS = 10;
const LISTING_CHARS = 2900;

function taskLine(t: RotationTask): string {
  const what = `*${escapeText(t.label)}* (\`${escapeText(t.id)}\`), ${escapeText(t.where)}`;
  if (!t.closed) return `:arrows_counterclockwise: ${what}: to rotate`;
  const how = t.closed.outcome === 'rotated_myself' ? 'rotated' : `not needed (${escapeText(t.closed.note ?? '')})`;
  return `:ballot_box_with_check: ${what}: ${how}, attested by ${user(t.closed.actor)} ${slackDate(t.closed.at)}`;
}

/**
 * The checklist's rotation tasks: every handed-over credential whose secret the person made or
 * has seen, open or closed with who closed it, and each open one's Rotated myself and Not needed, for
 * `most` of them at most (`rotationsBeyond` counts the rest).
 */
export function rotationBlocks(requestId: string, successor: string | null, tasks: readonly RotationTask[], most = ROTATION_BUTTONS) {
  if (!tasks.length) return [];
  const open = tasks.filter((t) => !t.closed);
  const who = successor ? `${user(successor)} (or an approver)` : 'an approver';
  const heading = open.length
    ? `:key: *Rotation tasks*: ${open.length} of ${tasks.length} credential(s) still to rotate (left working, and they made or have seen the secret), closed by ${who}. No secret is ever sent in Slack.`
    : `:key: *Rotation tasks*: all ${tasks.length} closed.`;
  const lines = fitLines(tasks.map(taskLine), LISTING_CHARS - heading.length, (left) => `…and ${left} more; the evidence pack lists each one.`);
  const buttons = open.slice(0, most).map((t) => ({
    type: 'actions',
    block_id: `rotation.${t.code}`,
    elements: [
      {
        type: 'button',
        action_id: ACTIONS.rotatedMyself,
        value: rotationButtonValue(requestId, t.code),
        style: 'primary',
        text: plain(cut(`Rotated myself: ${t.label}`, 75)),
      },
      { type: 'button', action_id: ACTIONS.rotationNotNeeded, value: rotationButtonValue(requestId, t.code), text: plain('Not needed…') },
    ],
  }));
  return [section(`${heading}\n${lines.join('\n')}`), ...buttons];
}

/** The open tasks `rotationBlocks` gives no buttons when it may give `most`. */
export const rotationsBeyond = (tasks: readonly RotationTask[], most = ROTATION_BUTTONS) => Math.max(0, tasks.filter((t) => !t.closed).length - most);
