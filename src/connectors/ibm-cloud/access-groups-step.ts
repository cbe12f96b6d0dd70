import type { Change, RevocationStep } from '../connector.js';
import { PermanentError } from '../step-errors.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { personScopedStep } from './person-scoped-step.js';

/** Removes the person from every access group they were added to (rule-based memberships are not touched). */
export function accessGroupsStep(client: IbmCloudClient, accountId: string): RevocationStep {
  return personScopedStep(client, accountId, {
    list: async (user) => (await client.listAccessGroups(accountId, user.iamId)).map((g) => ({ id: g.id, label: g.name })),
    async *revoke(ctx, user, found) {
      const results = await client.removeFromAllAccessGroups(accountId, user.iamId, ctx.transactionId);
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
