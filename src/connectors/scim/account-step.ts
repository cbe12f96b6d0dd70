import type { Change, Finding, StepAction, StepCapabilities, StepContext } from '../connector.js';
import { deletesForGood, disablesBy } from './profile.js';
import type { ScimClient, ScimUser } from './scim-client.js';

const DEACTIVATED = 'deactivated';

const asFinding = (user: ScimUser): Finding => ({
  id: user.id,
  label: user.displayName || user.userName,
  detail: `${user.userName}, ${user.active ? 'active' : DEACTIVATED}`,
  ...(user.active ? {} : { state: DEACTIVATED }),
});

/** The person's accounts in this app: the identities its identification found here. */
const accountIds = (ctx: StepContext): string[] => ctx.identities.filter((i) => i.scope === ctx.scope).map((i) => i.id);

/**
 * The person's account in one SCIM application. Disabling deactivates it (PATCH active=false, or
 * DELETE where the vendor's DELETE only deactivates); reinstating reactivates it where the vendor
 * lets `active` come back; deleting is DELETE where it is final (delete or unlink). Each is read
 * back with GET /Users/{id}.
 */
export function scimAccountStep(client: ScimClient): StepCapabilities {
  const { profile } = client;
  const name = client.instance.name;
  const byDelete = disablesBy(profile) === 'delete';
  const disabledDetail = byDelete ? `deactivated (DELETE deactivates in ${name})` : 'deactivated (active=false)';
  const disabled = (item: Pick<Finding, 'id' | 'label'>): Change => ({
    id: item.id,
    label: item.label,
    outcome: 'disabled',
    detail: disabledDetail,
    snapshot: { active: true },
  });
  const deletedDetail = profile.delete === 'unlink' ? `unlinked: ${name} no longer has its SCIM record` : `deleted from ${name}`;

  const users = (ids: string[]) => Promise.all(ids.map(async (id) => ({ id, user: await client.getUser(id) })));

  const disable: StepAction = {
    async *act(_ctx, found) {
      for (const item of found) {
        // Read first: deactivated before (by someone else, or before the offboarding) is left as it
        // is, recorded without a snapshot, so a reinstatement never reactivates it.
        const user = await client.getUser(item.id);
        if (user && !user.active) {
          yield { id: item.id, label: item.label, outcome: 'already_absent', detail: 'already deactivated' };
          continue;
        }
        const done = user !== undefined && (byDelete ? await client.deleteUser(item.id) : await client.setActive(item.id, false));
        yield done ? disabled(item) : { id: item.id, label: item.label, outcome: 'already_absent', detail: `${name} no longer has this account` };
      }
    },
    async readBack(ctx) {
      const remaining = (await users(accountIds(ctx))).flatMap(({ user }) => (user?.active ? [asFinding(user)] : []));
      return { confirmed: remaining.length === 0, remaining };
    },
    // An account that answered no more, or shows deactivated, was deactivated by the call whose answer was lost.
    confirm: (item, now) => (now === undefined || now.state === DEACTIVATED ? disabled(item) : undefined),
  };

  const remove: StepAction = {
    async *act(_ctx, found) {
      for (const item of found) {
        const done = await client.deleteUser(item.id);
        yield done
          ? { id: item.id, label: item.label, outcome: 'removed', detail: deletedDetail }
          : { id: item.id, label: item.label, outcome: 'already_absent', detail: `${name} no longer has this account` };
      }
    },
    async readBack(ctx) {
      const remaining = (await users(accountIds(ctx))).flatMap(({ user }) => (user ? [asFinding(user)] : []));
      return { confirmed: remaining.length === 0, remaining };
    },
  };

  return {
    async inventory(ctx) {
      const found = (await users(accountIds(ctx))).flatMap(({ user }) => (user ? [asFinding(user)] : []));
      return found.length ? { found } : { found, note: `no account in ${name}` };
    },
    ...(profile.patchActive || profile.delete === 'deactivate' ? { disable } : {}),
    ...(deletesForGood(profile) ? { delete: remove } : {}),
    ...(profile.reactivate
      ? {
          restore: {
            async *act(_ctx, snapshots) {
              for (const item of snapshots) {
                if (await client.setActive(item.id, true)) yield { id: item.id, label: item.label, outcome: 'restored', detail: 'reactivated (active=true)' };
              }
            },
            async readBack(_ctx, snapshots) {
              const remaining = (await users(snapshots.map((s) => s.id))).flatMap(({ id, user }) =>
                user?.active ? [] : [{ id, label: `${snapshots.find((s) => s.id === id)?.label ?? id} (${user ? 'still deactivated' : 'gone'})` }],
              );
              return { confirmed: remaining.length === 0, remaining };
            },
          },
        }
      : {}),
  };
}
