import { redact } from '../../redact.js';
import { inputAction } from './ids.js';

/**
 * Tiny helpers for the Block Kit JSON our builders repeat. Text objects are masked here, because
 * views and ephemerals sent through a Bolt listener's own client do not pass our Slack client.
 */
export const plain = (text: string) => ({ type: 'plain_text' as const, text: redact(text), emoji: true });
export const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text: redact(text) });
/** Slack refuses a whole message whose section text exceeds 3000 characters: cut rather than lose it. */
const SECTION_LIMIT = 3000;
export const section = (text: string) => {
  // Masked before cutting, so a cut never leaves the start of a secret behind.
  const masked = redact(text);
  return {
    type: 'section' as const,
    text: mrkdwn(masked.length > SECTION_LIMIT ? `${masked.slice(0, SECTION_LIMIT - 40)}\n… (cut to fit Slack; see the report)` : masked),
  };
};
export const context = (...texts: string[]) => ({ type: 'context' as const, elements: texts.map(mrkdwn) });
export const divider = () => ({ type: 'divider' as const });
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

/** Slack mrkdwn treats &, < and > as control characters. */
export const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
