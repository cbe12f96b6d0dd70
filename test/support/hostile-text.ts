import { expect } from 'vitest';

/** Text an attacker (or an unlucky name) can put wherever the bot reads outside text. */
export const HOSTILE = {
  broadcast: 'ci <!channel> <https://evil.example|Re-approve here>',
  link: '<https://x|y>',
  ampersand: 'R&D & Ops &amp; co',
  markup: '*bold* _it_ ~gone~ `code` >quote',
  loneSurrogate: 'backdoor \ud800',
  loneLow: 'tail \udc00 end',
  rightToLeft: 'invoice\u202Efdp.exe',
  /** Long enough to overflow any Slack text field, made of characters that each need escaping. */
  long: '<&>'.repeat(3_500),
  /** 10 KB of emoji: a cut in the wrong place leaves half a character. */
  longPairs: '\ud83d\ude00'.repeat(5_120),
} as const;

export const CORPUS: string[] = Object.values(HOSTILE);
/** One string holding every hostile kind, short enough for fields with a length limit of their own. */
export const MIXED = `${HOSTILE.broadcast} ${HOSTILE.link} ${HOSTILE.ampersand} ${HOSTILE.markup} ${HOSTILE.loneSurrogate} ${HOSTILE.rightToLeft}`;

/** Slack's limits on the text fields our messages and views use. */
const LIMITS = { section: 3000, context: 2000, header: 150, fallback: 40_000, short: 75 };

/**
 * The markup the bot writes itself: mentions, channel and group links, dates, and the three
 * escapes. Anything else with `<`, `>` or `&` in a Slack text came from outside unescaped.
 */
const OWN_MARKUP =
  /<@[UW][A-Z0-9]+>|<#[CGD][A-Z0-9]+>|<!subteam\^[A-Z0-9]+>|<!date\^\d+\^\{date_short_pretty\} \{time\}\|[0-9TZ:.-]+>|<https:\/\/[^\s|<>&]+\|(?:console|collect it in the console|OFF-[0-9A-Z]{6})>|&amp;|&lt;|&gt;/g;

/**
 * Every text in a Slack message or view (the fallback `text`, section and context text, header
 * and other plain text) is well-formed Unicode, carries no `<`, `>` or `&` that the bot did not
 * write itself, and keeps within Slack's limits. `where` names the message in a failure.
 */
export function expectSlackSafe(where: string, message: unknown): void {
  walk(message, (value, path) => {
    if (typeof value === 'string') expect(value.isWellFormed(), `${where}: ${path} is not well-formed`).toBe(true);
  });
  for (const { text, kind, path, plainText } of texts(message)) {
    if (!plainText) {
      // The bot's own links carry only its own labels; anything else in link markup came from outside.
      const outside = text.replace(OWN_MARKUP, '');
      const stray = outside.match(/[<>&]/g);
      expect(stray, `${where}: unescaped markup in ${path}: ${text.slice(0, 300)}`).toBeNull();
      expect(outside).not.toContain('<!channel>');
      expect(outside).not.toContain('<https://');
    }
    const limit =
      kind === 'fallback'
        ? LIMITS.fallback
        : kind === 'context'
          ? LIMITS.context
          : kind === 'header'
            ? LIMITS.header
            : kind === 'short'
              ? LIMITS.short
              : LIMITS.section;
    expect(text.length, `${where}: ${path} is ${text.length} characters`).toBeLessThanOrEqual(limit);
  }
}

/** `short`: a button's or an option's text. */
type Kind = 'fallback' | 'section' | 'context' | 'header' | 'short' | 'plain_text' | 'mrkdwn';

/** Every text field of a message (`text` beside `blocks`, or a string `text` argument) or view. */
function texts(message: unknown): { text: string; kind: Kind; path: string; plainText: boolean }[] {
  const found: { text: string; kind: Kind; path: string; plainText: boolean }[] = [];
  walk(message, (value, path, parent) => {
    if (!isRecord(value)) return;
    if (typeof value.text === 'string' && !('type' in value)) found.push({ text: value.text, kind: 'fallback', path: `${path}.text`, plainText: false });
    if ((value.type === 'mrkdwn' || value.type === 'plain_text') && typeof value.text === 'string') {
      const block = isRecord(parent) ? parent.type : undefined;
      const short = isRecord(parent) && (parent.type === 'button' || ('value' in parent && !('type' in parent)));
      const kind: Kind = short
        ? 'short'
        : block === 'header'
          ? 'header'
          : Array.isArray(parent)
            ? 'context'
            : value.type === 'plain_text'
              ? 'plain_text'
              : block === 'section'
                ? 'section'
                : 'mrkdwn';
      found.push({ text: value.text, kind, path, plainText: value.type === 'plain_text' });
    }
  });
  return found;
}

function walk(value: unknown, visit: (value: unknown, path: string, parent: unknown) => void, path = '$', parent: unknown = undefined): void {
  visit(value, path, parent);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) walk(v, visit, `${path}[${i}]`, value);
  } else if (isRecord(value)) for (const [k, v] of Object.entries(value)) walk(v, visit, `${path}.${k}`, value);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
