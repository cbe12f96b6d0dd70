import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';

/** Without any of these the bot cannot do its job: it refuses to start and names them. */
const REQUIRED = {
  commands: 'the /offboard command',
  'chat:write': 'the approval message, the checklist and messages to requesters',
  'users:read': 'who the people in a request are',
  'users:read.email': "the email that finds a person's cloud identities",
  'usergroups:read': 'an approvers group in OFFBOARD_APPROVERS',
  'files:write': 'the evidence pack',
  'im:write': 'the evidence pack, sent by direct message to whoever may have it',
} as const;
/** Without these it still works, less safely: it warns at start-up. */
const ADVISED = {
  'channels:history': 'finding its own message after an interrupted post, instead of posting it twice',
  'groups:history': 'the same, in a private approval channel',
  'im:history': "the same, for the hand-over message in a successor's direct messages",
} as const;

/** Every bot scope the bot asks for, as manifest.yml lists them. */
export const BOT_SCOPES = [...Object.keys(REQUIRED), ...Object.keys(ADVISED)];

/** Who the bot is in Slack, as auth.test says: what Bolt needs to ignore the bot's own events. */
export interface BotIdentity {
  botId: string;
  botUserId: string;
}

/**
 * Asks Slack who the bot token is (auth.test), once per process in every role: a token Slack
 * refuses stops the start, as does one without a scope the bot needs; missing advised scopes are
 * logged. Slack sends the token's scopes with every answer; a proxy that drops them leaves the
 * scopes unchecked, and says so.
 */
export async function checkBotToken(slack: WebClient, logger: Logger): Promise<BotIdentity> {
  let scopes: string[] | undefined;
  let identity: BotIdentity;
  try {
    const answer = await slack.auth.test();
    if (!answer.bot_id || !answer.user_id) throw new Error('it is not a bot token');
    identity = { botId: answer.bot_id, botUserId: answer.user_id };
    scopes = answer.response_metadata?.scopes;
  } catch (err) {
    throw new Error(
      `Slack refused SLACK_BOT_TOKEN when checking it with auth.test (${(err as { data?: { error?: string } }).data?.error ?? (err as Error).message})`,
    );
  }
  if (!scopes) {
    logger.warn('Slack did not say which scopes SLACK_BOT_TOKEN has (a proxy may drop X-OAuth-Scopes); they were not checked');
    return identity;
  }
  const missing = (wanted: Record<string, string>) => Object.entries(wanted).filter(([scope]) => !scopes.includes(scope));
  const required = missing(REQUIRED);
  if (required.length) {
    throw new Error(
      `SLACK_BOT_TOKEN lacks the bot scopes ${required.map(([s, why]) => `${s} (${why})`).join(', ')}: add them (manifest.yml lists every one) and reinstall the app`,
    );
  }
  const advised = missing(ADVISED);
  if (advised.length)
    logger.warn(
      { missing: advised.map(([s]) => s) },
      `SLACK_BOT_TOKEN lacks ${advised.map(([s, why]) => `${s} (${why})`).join(', ')}; add them and reinstall the app`,
    );
  return identity;
}
