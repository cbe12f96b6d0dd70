import { z } from 'zod';
import { positiveInt, problemsOf, url } from '../../config/env-schema.js';

/**
 * The Slack account system's variables. SCIM takes a long-lived *user* token with the `admin`
 * scope (an Enterprise Grid org install gives one too, also `xoxp-`). Bot tokens are refused by
 * SCIM, and tokens of an app with token rotation (`xoxe.xoxp-`) expire after 12 hours.
 */
const schema = z
  .object({
    SLACK_ADMIN_TOKEN: z
      .string()
      .startsWith('xoxp-', {
        message:
          'SLACK_ADMIN_TOKEN must be a user token starting with xoxp- with the admin scope (OAuth & Permissions → User OAuth Token of an app installed by a Workspace or Org Owner or Admin); bot tokens (xoxb-) and rotating tokens (xoxe.xoxp-) do not work',
      })
      .describe(
        'Switches the Slack account system on: a user token `xoxp-…` with the `admin` scope, of a Workspace/Org Owner or Admin (SCIM; Business+ or Enterprise Grid)',
      ),
    SLACK_SCIM_URL: url('SLACK_SCIM_URL').default('https://api.slack.com/scim/v2/').describe('Slack SCIM base URL (a proxy, or the simulator)'),
    SLACK_SCIM_TIMEOUT_MS: positiveInt(30_000).describe('Timeout of one SCIM request'),
    // The Web API the bot itself uses: where the admin token's owner is asked (auth.test).
    SLACK_API_URL: url('SLACK_API_URL')
      .default('https://slack.com/api/')
      .describe("The same Web API base URL as the bot's: where the Slack system asks whose `SLACK_ADMIN_TOKEN` is (`auth.test`)"),
  })
  .transform((e) => ({
    token: e.SLACK_ADMIN_TOKEN,
    // Relative paths ('Users/…') resolve under the base only when it ends with a slash.
    scimUrl: e.SLACK_SCIM_URL.endsWith('/') ? e.SLACK_SCIM_URL : `${e.SLACK_SCIM_URL}/`,
    timeoutMs: e.SLACK_SCIM_TIMEOUT_MS,
    apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
  }));

/** The Slack account system's variables as `npm run docs:config` documents them. */
export const slackScimVariables = schema.in;

export type SlackScimSettings = z.output<typeof schema>;

export function readSlackScimSettings(env: Readonly<Record<string, string>>): SlackScimSettings | { problems: string[] } {
  const parsed = schema.safeParse(env);
  return parsed.success ? parsed.data : { problems: problemsOf(parsed.error) };
}
