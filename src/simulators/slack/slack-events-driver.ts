import type { BlockActionArgs, SlashCommandArgs, ViewSubmissionArgs } from './slack-payloads.js';

export interface SlackResponse {
  status: number;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
  /** Why Slack would refuse this answer (a view or message past Block Kit's limits), as its error names it. */
  refused?: string;
}

/**
 * Plays Slack towards the bot, whichever way the bot receives Slack: signed HTTP
 * (SlackEventsClient) or Socket Mode (SocketModeEventsClient). Each answer is what the bot
 * acknowledged: the HTTP response, or the ack's payload as the body.
 */
export interface SlackEventsDriver {
  slashCommand(a: SlashCommandArgs): Promise<SlackResponse>;
  blockAction(a: BlockActionArgs): Promise<SlackResponse>;
  viewSubmission(a: ViewSubmissionArgs): Promise<SlackResponse>;
  /** An Events API callback, e.g. `{type: 'app_home_opened', user, channel, tab: 'home'}`. */
  event(event: Record<string, unknown>): Promise<SlackResponse>;
}
