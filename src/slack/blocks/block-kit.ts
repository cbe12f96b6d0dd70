import { redact } from '../../redact.js';
import { wellFormed } from '../../well-formed.js';
import { inputAction } from './ids.js';

/**
 * Tiny helpers for the Block Kit JSON our builders repeat. Text objects are masked here, because
 * views and ephemerals sent through a Bolt listener's own client do not pass our Slack client,
 * and well-formed (outside text is made so where it comes in; this holds for any other path).
 */
export const plain = (text: string) => ({ type: 'plain_text' as const, text: wellFormed(redact(text)), emoji: true });
export const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text: wellFormed(redact(text)) });
/**
 * Slack refuses a whole message whose section text exceeds 3000 characters, or a context
 * element's 2000: cut rather than lose it (outside text, an error or a name, can be any length).
 */
const SECTION_LIMIT = 3000;
const CONTEXT_LIMIT = 2000;
/** Slack cuts a message's fallback `text` beyond 40,000 characters; ours stop before. */
export const MESSAGE_TEXT_LIMIT = 40_000;
const CUT_NOTE = '\n… (cut to fit Slack; see the report)';
/** Masked before cutting, so a cut never leaves the start of a secret behind. */
export const fitted = (text: string, limit: number) => {
  const masked = redact(text);
  return masked.length > limit ? `${cut(masked, limit - CUT_NOTE.length)}${CUT_NOTE}` : masked;
};
export const section = (text: string) => ({ type: 'section' as const, text: mrkdwn(fitted(text, SECTION_LIMIT)) });
export const context = (...texts: string[]) => ({ type: 'context' as const, elements: texts.map((t) => mrkdwn(fitted(t, CONTEXT_LIMIT))) });
export const divider = () => ({ type: 'divider' as const });
/** Slack refuses an option (or a button) whose text passes 75 characters. */
export const OPTION_TEXT_LIMIT = 75;
export const option = (value: string, text: string) => ({ text: plain(text), value });

/** An input block holding one element, whose action id is derived from the block id. */
export const input = (block: string, label: string, element: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'input' as const,
  block_id: block,
  label: plain(label),
  element: { ...element, action_id: inputAction(block) },
  ...extra,
});

export const user = (id: string) => `<@${id}>`;
/** Slack renders this in the reader's own time zone. */
export const slackDate = (iso: string) => `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time}|${iso}>`;

/**
 * Slack mrkdwn treats &, < and > as control characters: every string from outside (names, key
 * and group names, reasons people typed, errors) passes here before it joins a Slack text.
 */
export const escapeText = (text: string) => wellFormed(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * At most `max` characters of `text`, cut where nothing is split in two: not a surrogate pair
 * (the rest would not be well-formed), an escape such as `&amp;`, or a `<@U…>` mention or link.
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let head = text.slice(0, /[\uD800-\uDBFF]/.test(text[max - 1] ?? '') ? max - 1 : max);
  const amp = head.lastIndexOf('&');
  if (amp >= 0 && !head.includes(';', amp)) head = head.slice(0, amp);
  const open = head.lastIndexOf('<');
  if (open > head.lastIndexOf('>')) head = head.slice(0, open);
  return head;
}

/**
 * Slack refuses a message of more than 50 blocks and a Home tab or modal of more than 100, and
 * chat.postMessage / chat.update refuse blocks whose texts pass about 12,000 characters together
 * (`msg_blocks_too_long`; slackapi/bolt-js#2509). Our messages stay below with room to spare.
 */
export const MESSAGE_BLOCKS = 50;
export const VIEW_BLOCKS = 100;
export const MESSAGE_BLOCKS_TEXT = 11_000;

/** The text of blocks as Slack adds it up: every text object's `text`. */
export function blocksText(blocks: readonly unknown[]): number {
  let total = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') total += o.text.length;
      else Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return total;
}

/**
 * As many of `lines` as fit in `budget` characters (joined by newlines), and, when some do not, the
 * line `more(n)` says how many were left out and where they all are: nothing is dropped unsaid.
 */
export function fitLines(lines: readonly string[], budget: number, more: (left: number) => string): string[] {
  const kept: string[] = [];
  const reserve = more(lines.length).length + 1;
  let used = 0;
  for (const [i, line] of lines.entries()) {
    const room = budget - used - (i < lines.length - 1 ? reserve : 0);
    if (line.length + 1 > room) {
      kept.push(more(lines.length - i));
      return kept;
    }
    kept.push(line);
    used += line.length + 1;
  }
  return kept;
}
