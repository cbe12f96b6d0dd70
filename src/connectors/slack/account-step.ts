import type { Change, Finding, StepCapabilities } from '../connector.js';
import type { SlackScimClient, SlackScimUser } from './scim-client.js';

const asFinding = (user: SlackScimUser): Finding => ({ id: user.id, label: user.displayName || user.userName, detail: `${user.userName}, active` });

/**
 * The person's Slack account. Deactivating it also signs them out of every session, and it is
 * what the grace period ends with too: Slack never deletes a user, so the account stays
 * deactivated, and a reinstatement reactivates it.
 */
export function slackAccountStep(client: SlackScimClient): StepCapabilities {
  const stillActive = async (slackUserId: string) => {
    const user = await client.getUser(slackUserId);
    return user?.active ? [asFinding(user)] : [];
  };
  return {
    async inventory(ctx) {
      const user = await client.getUser(ctx.person.slackUserId);
      if (!user) return { found: [], note: `Slack has no account ${ctx.person.slackUserId}` };
      if (!user.active) return { found: [], note: 'deactivated (Slack never deletes a user: the account stays deactivated)' };
      return { found: [asFinding(user)] };
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
        const remaining = await stillActive(ctx.person.slackUserId);
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
