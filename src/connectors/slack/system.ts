import type { SystemModule } from '../system.js';
import { DEACTIVATED_BEFORE } from './account-step.js';
import { SlackScimClient, type SlackScimUser } from './scim-client.js';
import { readSlackScimSettings, slackScimVariables } from './settings.js';
import { slackSteps } from './steps.js';

/** The one scope of the Slack account system: the workspace (or Enterprise Grid org) the bot is in. */
export const SLACK_WORKSPACE = 'workspace';

/**
 * The person's own Slack account, through SCIM (Business+ or Enterprise Grid): found by their Slack
 * user id, or, when the request has none (asked for by email), by their email, exactly.
 */
export const slackAccounts: SystemModule<SlackScimClient> = {
  id: 'slack',
  title: 'Slack',
  scopeNoun: SLACK_WORKSPACE,
  // Deactivating through SCIM signs the account out of every session: nothing of it is left running.
  notCovered: [],
  steps: slackSteps,
  switchedOnBy: 'SLACK_ADMIN_TOKEN',
  variables: slackScimVariables,
  configure(env) {
    const settings = readSlackScimSettings(env);
    if ('problems' in settings) return settings;
    return {
      scopes: [SLACK_WORKSPACE],
      secrets: [settings.token],
      summary: { scimUrl: settings.scimUrl, apiUrl: settings.apiUrl, timeoutMs: settings.timeoutMs },
      connect: ({ metrics }) => new SlackScimClient(settings, (operation, status) => metrics.systemCalls.inc({ system: 'slack', operation, status })),
      // Asking for a user who cannot exist proves the token works: a 404 is an answer, 401/403 name the setting.
      checkStartup: async (client) => void (await client.getUser('U00000000000')),
      credentialOwners: async (client) => [{ id: await client.tokenOwner(), credential: 'SLACK_ADMIN_TOKEN' }],
      async identify(client, person, scope, earlier) {
        if (scope !== SLACK_WORKSPACE) return [];
        const byId = person.slackUserId ? await client.getUser(person.slackUserId) : undefined;
        const users = person.slackUserId ? (byId ? [byId] : []) : await client.findByEmail(person.email);
        // Inactive when first found (no earlier round found it active): nobody in this request deactivated it.
        const before = (id: string) => earlier.every((e) => e.id !== id || e.detail?.endsWith(DEACTIVATED_BEFORE));
        const state = (user: SlackScimUser) => (user.active ? 'active' : before(user.id) ? DEACTIVATED_BEFORE : 'deactivated');
        return users.map((user) => ({
          scope: SLACK_WORKSPACE,
          id: user.id,
          label: user.displayName || user.userName,
          detail: `${user.userName}, ${state(user)}`,
        }));
      },
    };
  },
};
