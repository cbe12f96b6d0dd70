import type { HandedOverItem } from '../../runs/handed-over.js';
import { context, cut, escapeText, fitLines, MESSAGE_BLOCKS_TEXT, MESSAGE_TEXT_LIMIT, section, slackDate, user } from './block-kit.js';

const SECTION_CHARS = 2900;
/** The item lines' share of the blocks' text: the rest is the heading and the closing note. */
const LISTING_CHARS = MESSAGE_BLOCKS_TEXT - 2000;

/** One item: what it is, where, its last use, and its console address (each outside string escaped). */
function itemLine(item: HandedOverItem): string {
  const use =
    item.useCount === undefined && !item.lastUsed
      ? 'no use recorded'
      : [item.useCount !== undefined && `used ${item.useCount} times`, item.lastUsed ? `last ${slackDate(item.lastUsed)}` : 'never'].filter(Boolean).join(', ');
  // A bare address (Slack links it) rather than <url|text>: no outside text ever sits inside link markup.
  return `• *${escapeText(item.label)}* (\`${escapeText(item.id)}\`), ${escapeText(item.where)}: ${use}${item.link ? `\n    ${escapeText(item.link)}` : ''}`;
}

/** Lines packed into sections Slack accepts, in order. */
function packed(lines: readonly string[]): string[] {
  const sections: string[] = [];
  for (const line of lines) {
    const last = sections.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= SECTION_CHARS) sections[sections.length - 1] = `${last}\n${line}`;
    else sections.push(cut(line, SECTION_CHARS));
  }
  return sections;
}

/**
 * The direct message to the successor: every item the person created that was handed over to
 * them and left working, with where it is, its last use and where to manage it. Beyond what a
 * message holds, the rest are counted and found in the evidence pack.
 */
export function handoverMessage(
  request: { id: string; subject: { name: string }; requester: { slackUserId: string | null } },
  items: readonly HandedOverItem[],
) {
  const who = escapeText(request.subject.name);
  const lines = fitLines(
    items.map(itemLine),
    LISTING_CHARS,
    (left) => `…and ${left} more (${items.length} in all): the request's evidence pack lists each one.`,
  );
  const asked = request.requester.slackUserId ? ` ${user(request.requester.slackUserId)} asked for this offboarding (*${request.id}*)` : ` (*${request.id}*)`;
  return {
    text: cut(`What ${who} created was handed over to you: ${items.length} item(s), left working.`, MESSAGE_TEXT_LIMIT),
    blocks: [
      section(
        `:package: *What ${who} created was handed over to you.*${asked}; these ${items.length === 1 ? 'item was' : `${items.length} items were`} left working, and are yours now:`,
      ),
      ...packed(lines).map(section),
      context('Credentials they created or have seen should be rotated: they know the secrets. No secret is ever sent in Slack.'),
    ],
  };
}
