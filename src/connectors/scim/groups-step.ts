import type { Change, Finding, StepCapabilities, StepContext } from '../connector.js';
import type { ScimClient } from './scim-client.js';

/** What a removed membership needs to come back: the group and the member. */
interface MembershipSnapshot {
  groupId: string;
  userId: string;
  displayName: string;
}

const snapshotOf = (change: Pick<Change, 'snapshot'>): MembershipSnapshot | undefined => {
  const s = change.snapshot as Partial<MembershipSnapshot> | undefined;
  return typeof s?.groupId === 'string' && typeof s.userId === 'string'
    ? { groupId: s.groupId, userId: s.userId, displayName: s.displayName ?? s.groupId }
    : undefined;
};

/**
 * The person's group memberships in one SCIM application that has Groups: each removed with a
 * snapshot (the group and the member), restored from it by adding the member back, and read back
 * from the groups themselves. Anything granted through a group ends with the membership.
 */
export function scimGroupsStep(client: ScimClient): StepCapabilities {
  const memberships = async (ctx: StepContext): Promise<Finding[]> => {
    const ids = ctx.identities.filter((i) => i.scope === ctx.scope).map((i) => i.id);
    const perUser = await Promise.all(ids.map(async (userId) => ({ userId, groups: await client.groupsOf(userId) })));
    return perUser.flatMap(({ userId, groups }) =>
      groups.map((g) => ({ id: g.id, owner: userId, label: g.displayName, document: { groupId: g.id, userId, displayName: g.displayName } })),
    );
  };
  return {
    async inventory(ctx) {
      const found = await memberships(ctx);
      return found.length ? { found } : { found, note: `a member of no group in ${client.instance.name}` };
    },
    disable: {
      async *act(_ctx, found) {
        for (const item of found) {
          const userId = item.owner ?? '';
          const snapshot = { groupId: item.id, userId, displayName: item.label };
          // Read first: a SCIM server answers 200 to removing a member who is not one, which must not pass for a removal.
          const group = await client.getGroup(item.id);
          const gone = !group ? 'the group no longer exists' : !group.members.includes(userId) ? 'no longer a member' : undefined;
          const done = !gone && (await client.removeMember(item.id, userId));
          yield done
            ? { id: item.id, owner: userId, label: item.label, outcome: 'removed', detail: 'membership removed', snapshot }
            : { id: item.id, owner: userId, label: item.label, outcome: 'already_absent', detail: gone ?? 'the group no longer exists' };
        }
      },
      async readBack(ctx) {
        const remaining = await memberships(ctx);
        return { confirmed: remaining.length === 0, remaining };
      },
      // A membership no longer listed was removed by the call whose answer was lost: recorded with its snapshot, so a reinstatement restores it.
      confirm: (item, now) =>
        now
          ? undefined
          : {
              id: item.id,
              owner: item.owner ?? '',
              label: item.label,
              outcome: 'removed',
              detail: 'membership removed',
              snapshot: { groupId: item.id, userId: item.owner ?? '', displayName: item.label },
            },
    },
    restore: {
      async *act(_ctx, snapshots) {
        for (const change of snapshots) {
          const s = snapshotOf(change);
          if (s && (await client.addMember(s.groupId, s.userId))) {
            yield { id: change.id, owner: s.userId, label: change.label, outcome: 'restored', detail: 'membership restored' };
          }
        }
      },
      async readBack(_ctx, snapshots) {
        const checks = await Promise.all(
          snapshots.map(async (change) => {
            const s = snapshotOf(change);
            const group = s ? await client.getGroup(s.groupId) : undefined;
            return s && group?.members.includes(s.userId) ? [] : [{ id: change.id, label: `${change.label} (${group ? 'not a member again' : 'group gone'})` }];
          }),
        );
        const remaining = checks.flat();
        return { confirmed: remaining.length === 0, remaining };
      },
    },
  };
}
