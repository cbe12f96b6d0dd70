import type { SlackDirectory } from '../slack/slack-directory.js';
import type { RequestStore } from './request-store.js';

/**
 * The open request about a Slack user, if any: by their Slack user id, or by the email on their
 * Slack profile, since a request filed by email (someone Slack could not find by it then, or
 * an HR system's) is about them too. Slack is asked for the email (an answer at most 10 minutes
 * old); a failed lookup fails the check rather than passing it on the id alone.
 */
export async function openAboutUser(store: RequestStore, directory: SlackDirectory, userId: string): Promise<string | undefined> {
  const person = await directory.person(userId);
  return store.openAbout({ slackUserId: userId, email: person?.email });
}
