import type { OffboardRequest } from '../../requests/request.js';
import { context, cut, escapeText, MESSAGE_TEXT_LIMIT, section, slackDate, user } from './block-kit.js';
import { COMMAND } from './ids.js';
import { requestFacts } from './request-summary.js';
import { requestRow, STATUS } from './request-rows.js';

/** Rows a reply lists before it counts the rest: a screenful, well within a message's blocks. */
const LIST_ROWS = 40;
const SECTION_CHARS = 2900;

/** Every form of the command, for `/offboard help` and any form it does not know; `more`: the systems' own verbs' lines. */
export function helpWith(more: readonly string[]): string {
  const lines = HELP.split('\n');
  return [...lines.slice(0, -1), ...more.map((line) => `• ${line}`), lines.at(-1)].join('\n');
}

export const HELP = [
  `*What \`${COMMAND}\` does:*`,
  `• \`${COMMAND}\`: opens the offboarding form`,
  `• \`${COMMAND} @person\`: opens the form with the person filled in`,
  `• \`${COMMAND} name@example.com\`: opens the form for someone who cannot be picked in Slack (deactivated there, or never had an account), found by that email`,
  `• \`${COMMAND} status OFF-XXXXXX\`, \`${COMMAND} status @person\` or \`${COMMAND} status name@example.com\`: where their requests stand`,
  `• \`${COMMAND} list\`: open and recent requests you may see (approvers and compliance see all, anyone else their own)`,
  `• \`${COMMAND} report OFF-XXXXXX\`: a request's evidence pack by direct message (approvers and compliance)`,
  `• \`${COMMAND} report BULK-XXXXXXXX\`: a bulk request's summary (each person, their state, their pack's SHA-256) by direct message (approvers and compliance)`,
  `• \`${COMMAND} help\`: this list`,
].join('\n');

/** Requests, newest first, one line each; beyond a screenful, counted with how to find one. */
export function requestListReply(title: string, requests: readonly OffboardRequest[], none: string) {
  // The title may name what someone typed (an email): the fallback text is cut as a section is.
  if (!requests.length) return { text: cut(`${title}: none`, MESSAGE_TEXT_LIMIT), blocks: [section(`*${title}*\n${none}`)] };
  const shown = requests.slice(0, LIST_ROWS);
  const sections: string[] = [];
  for (const row of shown.map(requestRow)) {
    const last = sections.at(-1);
    if (last !== undefined && last.length + 1 + row.length <= SECTION_CHARS) sections[sections.length - 1] = `${last}\n${row}`;
    else sections.push(cut(row, SECTION_CHARS));
  }
  const more = requests.length - shown.length;
  return {
    text: cut(`${title}: ${requests.length}`, MESSAGE_TEXT_LIMIT),
    blocks: [
      section(`*${title}* (${requests.length}${more ? `, the newest ${shown.length} shown` : ''})`),
      ...sections.map(section),
      ...(more ? [context(`…and ${more} more, older. \`${COMMAND} status @person\` or \`${COMMAND} status OFF-…\` finds one.`)] : []),
    ],
  };
}

/** One request in full: its state, its facts, its decision and where its checklist is. */
export function requestStatusReply(r: OffboardRequest) {
  const decision = r.decision
    ? r.decision.outcome === 'approved'
      ? `Approved by ${user(r.decision.by)} ${slackDate(r.decision.at)}.`
      : `Rejected by ${user(r.decision.by)} ${slackDate(r.decision.at)}: ${escapeText(r.decision.reason ?? '')}`
    : 'Not decided yet.';
  const where = r.approvalMessage ? ` The approval message and the checklist (in its thread) are in <#${r.approvalMessage.channel}>.` : '';
  const rescan = r.lastRescan
    ? ` Last re-scan ${slackDate(r.lastRescan.at)}: ${r.lastRescan.findings ? `${r.lastRescan.findings} access item(s) came back` : 'nothing came back'}.`
    : '';
  return {
    text: `${r.id}: ${STATUS[r.status]}`,
    blocks: [section(`*${r.id}*: ${STATUS[r.status]}`), section(requestFacts(r).join('\n')), context(`${decision}${rescan}${where}`)],
  };
}
