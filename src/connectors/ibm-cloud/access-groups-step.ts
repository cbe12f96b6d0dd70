import type { Change, StepCapabilities } from '../connector.js';
import { PermanentError } from '../step-errors.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { personScopedStep } from './person-scoped-step.js';

/** Removes the person from every access group they were added to (rule-based memberships are not touched). */
export function accessGroupsStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return personScopedStep(accountId, {
    list: async (identity) => (await client.listAccessGroups(accountId, identity.id)).map((g) => ({ id: g.id, label: g.name })),
    async *remove(ctx, identity, found) {
      const results = await client.removeFromAllAccessGroups(accountId, identity.id, ctx.transactionId);
      // 207 reports each group separately: one refused group must not pass as success.
      const refused = results.filter((r) => r.status >= 300 && r.status !== 404);
      if (refused.length > 0) {
        const list = refused.map((r) => `${r.groupId} (${r.status}${r.error ? `: ${r.error}` : ''})`).join(', ');
        throw new PermanentError(`remove from all access groups: refused for ${list}`);
      }
      const removed = new Set(results.filter((r) => r.status < 300).map((r) => r.groupId));
      yield* found.map((g): Change => ({ id: g.id, label: g.label, outcome: removed.has(g.id) ? 'removed' : 'already_absent' }));
    },
  });
}
