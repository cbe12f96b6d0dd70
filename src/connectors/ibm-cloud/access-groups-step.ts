import type { Change, StepCapabilities } from '../connector.js';
import { PermanentError } from '../step-errors.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { changeEach, personScopedStep, type ItemAction } from './person-scoped-step.js';

/**
 * Removes the person from every access group they were added to, keeping each group's id to add
 * them back on reinstatement. Rule-based (dynamic) memberships cannot be removed this way: they
 * are reported as residual access.
 */
export function accessGroupsStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  const removeAll: ItemAction = {
    async *act(ctx, identity, found) {
      const results = await client.removeFromAllAccessGroups(accountId, identity.id, ctx.transactionId);
      // 207 reports each group separately: one refused group must not pass as success.
      const refused = results.filter((r) => r.status >= 300 && r.status !== 404);
      if (refused.length > 0) {
        const list = refused.map((r) => `${r.groupId} (${r.status}${r.error ? `: ${r.error}` : ''})`).join(', ');
        throw new PermanentError(`remove from all access groups: refused for ${list}`);
      }
      const removed = new Set(results.filter((r) => r.status < 300).map((r) => r.groupId));
      yield* found.map(
        (g): Change =>
          removed.has(g.id)
            ? { id: g.id, label: g.label, outcome: 'removed', snapshot: { groupId: g.id, iamId: identity.id } }
            : { id: g.id, label: g.label, outcome: 'already_absent' },
      );
    },
    // The owner's IAM id is added to the snapshot by the person-scoped step.
    made: (g) => ({ id: g.id, label: g.label, outcome: 'removed', snapshot: { groupId: g.id } }),
  };
  return personScopedStep(accountId, {
    list: async (identity) => (await client.listAccessGroups(accountId, identity.id)).map((g) => ({ id: g.id, label: g.name })),
    disable: removeAll,
    restore: {
      act: (ctx, identity, snapshots) =>
        changeEach(snapshots, async (g) =>
          (await client.addMemberToGroup(g.id, identity.id, ctx.transactionId))
            ? { id: g.id, label: g.label, outcome: 'restored', detail: 'added back' }
            : { id: g.id, label: g.label, outcome: 'already_absent', detail: 'the group is gone; cannot add back' },
        ),
      missing: async (identity, snapshots) => {
        const groups = new Set((await client.listAccessGroups(accountId, identity.id)).map((g) => g.id));
        return snapshots.filter((s) => !groups.has(s.id)).map((s) => ({ id: s.id, label: `${s.label} (not a member again)` }));
      },
    },
  });
}
