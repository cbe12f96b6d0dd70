import type { Change, Finding, StepCapabilities, StepContext } from '../connector.js';
import type { SlackScimClient, SlackScimUser } from './scim-client.js';

/**
 * What an account found deactivated when the person is first looked for is recorded as: the
 * identity provider (or an admin) got there before this request. The step then changes nothing and
 * its read-back confirms the account is inactive.
 */
export const DEACTIVATED_BEFORE = 'already deactivated (before this request)';

const asFinding = (user: SlackScimUser): Finding => ({ id: user.id, label: user.displayName || user.userName, detail: `${user.userName}, active` });

/** The accounts the round's identification found (by Slack user id, or by email when the request has none). */
const accountsOf = (ctx: StepContext) => ctx.identities.filter((i) => i.scope === ctx.scope);

/**
 * The person's Slack account. Deactivating it also signs them out of every session, and it is
 * what the grace period ends with too: Slack never deletes a user, so the account stays
 * deactivated, and a reinstatement reactivates it.
 */
export function slackAccountStep(client: SlackScimClient): StepCapabilities {
  const stillActive = async (ctx: StepContext) => {
    const users = await Promise.all(accountsOf(ctx).map((i) => client.getUser(i.id)));
    return users.filter((u): u is SlackScimUser => Boolean(u?.active)).map(asFinding);
  };
  return {
    async inventory(ctx) {
      const accounts = accountsOf(ctx);
      if (accounts.length === 0) return { found: [], note: ctx.person.slackUserId ? `Slack has no account ${ctx.person.slackUserId}` : 'no Slack account' };
      const users = await Promise.all(accounts.map(async (i) => ({ identity: i, user: await client.getUser(i.id) })));
      const found = users.flatMap(({ user }) => (user?.active ? [asFinding(user)] : []));
      if (found.length > 0) return { found };
      if (users.every(({ user }) => !user)) return { found: [], note: `Slack has no account ${accounts.map((a) => a.id).join(', ')}` };
      const before = users.some(({ identity }) => identity.detail?.endsWith(DEACTIVATED_BEFORE));
      return { found: [], note: before ? DEACTIVATED_BEFORE : 'deactivated (Slack never deletes a user: the account stays deactivated)' };
    },
    disable: {
      async *act(_ctx, found) {
        for (const user of found) {
          const done = await client.setActive(user.id, false);
          yield done
            ? { id: user.id, label: user.label, outcome: 'disabled', detail: 'deactivated, signed out of every session', snapshot: { active: true } }
            : { id: user.id, label: user.label, outcome: 'already_absent' };
        }
      },
      async readBack(ctx) {
        const remaining = await stillActive(ctx);
        return { confirmed: remaining.length === 0, remaining };
      },
      // Only an active account is ever found, and Slack never deletes one: no longer found is deactivated.
      confirm: (user, now) =>
        now
          ? undefined
          : { id: user.id, label: user.label, outcome: 'disabled', detail: 'deactivated, signed out of every session', snapshot: { active: true } },
    },
    restore: {
      async *act(_ctx, snapshots) {
        for (const user of snapshots) {
          if (await client.setActive(user.id, true)) yield { id: user.id, label: user.label, outcome: 'restored', detail: 'reactivated' } satisfies Change;
        }
      },
      async readBack(_ctx, snapshots) {
        const users = await Promise.all(snapshots.map(async (s) => ({ s, user: await client.getUser(s.id) })));
        const remaining = users.filter(({ user }) => !user?.active).map(({ s }) => ({ id: s.id, label: `${s.label} (still deactivated)` }));
        return { confirmed: remaining.length === 0, remaining };
      },
    },
  };
}
