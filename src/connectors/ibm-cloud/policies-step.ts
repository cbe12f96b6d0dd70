import type { RevocationStep } from '../connector.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { personScopedStep, removeEach } from './person-scoped-step.js';

/** Deletes access policies assigned to the person directly (access through groups goes with the groups). */
export function policiesStep(client: IbmCloudClient, accountId: string): RevocationStep {
  return personScopedStep(client, accountId, {
    list: async (user) =>
      (await client.listDirectPolicies(accountId, user.iamId)).map((p) => ({
        id: p.id,
        label: `${p.roles.join(', ') || 'policy'} on ${p.resource}`,
      })),
    revoke: (ctx, _user, found) => removeEach(found, (id) => client.deletePolicy(id, ctx.transactionId)),
  });
}
