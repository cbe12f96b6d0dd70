import { isOpenTask, type RotationTask } from '../../runs/handed-over.js';
import { rotationButtonValue } from '../payloads.js';
import { cut, escapeText, fitLines, plain, section, slackDate, user } from './block-kit.js';
import { ACTIONS } from './ids.js';

/** Open tasks with their own buttons; beyond, they are counted (an approver closes them as the ones shown get closed). */
export const ROTATION_BUTTONS = 10;
const LISTING_CHARS = 2900;

/** A console link as Slack shows it, only for a plain https address (what a system's step made); the text alone otherwise. */
export const consoleLink = (link: string | undefined, text: string) =>
  link && /^https:\/\/[^\s|<>&]+$/.test(link) ? `<${link}|${text}>` : link ? `${text} (${escapeText(link)})` : text;

/** Switched was clicked since the last hold, and the bot has not answered it yet. */
const switchPending = (bot: NonNullable<RotationTask['bot']>) => bot.switches.some((s) => s.attempt === bot.holds.length + 1);

function botLine(what: string, bot: NonNullable<RotationTask['bot']>): string {
  const asked = `at ${user(bot.requested.actor)}'s request`;
  const r = bot.replaced;
  const replacement = r ? `replacement *${escapeText(r.replacementName)}* (\`${escapeText(r.replacementId)}\`)` : '';
  if (bot.retired && r) {
    const switched = bot.switches.at(-1);
    const deleted = bot.deleted
      ? `; deleted ${slackDate(bot.deleted.at)}, confirmed by read-back`
      : bot.failed
        ? `; could not be deleted: ${escapeText(bot.failed.error)}`
        : '; deleted at the delete phase';
    return `:white_check_mark: ${what}: rotated by the bot ${asked}: ${replacement} made ${slackDate(r.at)}${switched ? `, switched by ${user(switched.actor)} ${slackDate(switched.at)}` : ''}; the old one disabled ${slackDate(bot.retired.at)}, confirmed by read-back${bot.retired.detail ? ` (${escapeText(bot.retired.detail)})` : ''}${deleted}`;
  }
  if (bot.failed)
    return `:x: ${what}: Rotate for me (${asked}) stopped: ${escapeText(bot.failed.error)}. Click *${r ? 'Switched' : 'Rotate for me'}* again once the cause is fixed.`;
  if (!r)
    return `:hourglass_flowing_sand: ${what}: Rotate for me, asked by ${user(bot.requested.actor)} ${slackDate(bot.requested.at)}: making the replacement…`;
  const collect = consoleLink(r.link, 'collect it in the console');
  if (switchPending(bot)) {
    const s = bot.switches.at(-1)!;
    return `:hourglass_flowing_sand: ${what}: ${replacement} made ${asked}; switched by ${user(s.actor)} ${slackDate(s.at)}: checking the old one's last use before disabling it`;
  }
  const hold = bot.holds.at(-1);
  if (hold)
    return `:warning: ${what}: ${replacement} made ${asked}, but the old one signed in ${slackDate(hold.lastUsed)}, after the replacement was made: nothing was disabled. Switch what still uses it, then click *Switched* again (${collect}).`;
  return `:arrows_counterclockwise: ${what}: ${replacement} created ${slackDate(r.at)} ${asked}: ${collect}, switch to it, then click *Switched*`;
}

function taskLine(t: RotationTask): string {
  const what = `*${escapeText(t.label)}* (\`${escapeText(t.id)}\`), ${escapeText(t.where)}`;
  if (t.bot) return botLine(what, t.bot);
  if (!t.closed) return `:arrows_counterclockwise: ${what}: to rotate`;
  const how = t.closed.outcome === 'rotated_myself' ? 'rotated' : `not needed (${escapeText(t.closed.note ?? '')})`;
  return `:ballot_box_with_check: ${what}: ${how}, attested by ${user(t.closed.actor)} ${slackDate(t.closed.at)}`;
}

/** The buttons an open task offers now: a person's closings or Rotate for me; once the bot made the replacement, Switched. */
function taskButtons(requestId: string, t: RotationTask) {
  const value = rotationButtonValue(requestId, t.code);
  const button = (action_id: string, text: string, primary = false) => ({
    type: 'button',
    action_id,
    value,
    text: plain(cut(text, 75)),
    ...(primary ? { style: 'primary' } : {}),
  });
  if (!t.bot)
    return [
      button(ACTIONS.rotatedMyself, `Rotated myself: ${t.label}`, true),
      button(ACTIONS.rotateForMe, 'Rotate for me'),
      button(ACTIONS.rotationNotNeeded, 'Not needed…'),
    ];
  if (!t.bot.replaced) return t.bot.failed ? [button(ACTIONS.rotateForMe, `Rotate for me: ${t.label}`, true)] : [];
  return !switchPending(t.bot) || t.bot.failed ? [button(ACTIONS.rotationSwitched, `Switched: ${t.label}`, true)] : [];
}

/**
 * The checklist's rotation tasks: every handed-over credential whose secret the person made or
 * has seen, open or closed with who closed it, and each open one's Rotated myself and Not needed, for
 * `most` of them at most (`rotationsBeyond` counts the rest).
 */
export function rotationBlocks(requestId: string, successor: string | null, tasks: readonly RotationTask[], most = ROTATION_BUTTONS) {
  if (!tasks.length) return [];
  const open = tasks.filter(isOpenTask);
  const who = successor ? `${user(successor)} (or an approver)` : 'an approver';
  const heading = open.length
    ? `:key: *Rotation tasks*: ${open.length} of ${tasks.length} credential(s) still to rotate (left working, and they made or have seen the secret), closed by ${who}: rotated by them, by the bot (*Rotate for me*: it makes the replacement, then disables the old one once they click *Switched*), or not needed. No secret is ever sent in Slack.`
    : `:key: *Rotation tasks*: all ${tasks.length} closed.`;
  const lines = fitLines(tasks.map(taskLine), LISTING_CHARS - heading.length, (left) => `…and ${left} more; the evidence pack lists each one.`);
  const buttons = open
    .slice(0, most)
    .map((t) => ({ t, elements: taskButtons(requestId, t) }))
    .filter(({ elements }) => elements.length)
    .map(({ t, elements }) => ({ type: 'actions', block_id: `rotation.${t.code}`, elements }));
  return [section(`${heading}\n${lines.join('\n')}`), ...buttons];
}

/** The open tasks `rotationBlocks` gives no buttons when it may give `most`. */
export const rotationsBeyond = (tasks: readonly RotationTask[], most = ROTATION_BUTTONS) => Math.max(0, tasks.filter(isOpenTask).length - most);
