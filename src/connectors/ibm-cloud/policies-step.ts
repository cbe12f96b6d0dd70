import type { StepCapabilities } from '../connector.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { personScopedStep, removeEach } from './person-scoped-step.js';

/** Deletes access policies assigned to the person directly (access through groups goes with the groups). */
export function policiesStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return personScopedStep(accountId, {
    list: async (identity) =>
      (await client.listDirectPolicies(accountId, identity.id)).map((p) => ({
        id: p.id,
        label: `${p.roles.join(', ') || 'policy'} on ${p.resource}`,
      })),
    remove: (ctx, _identity, found) => removeEach(found, (id) => client.deletePolicy(id, ctx.transactionId)),
  });
}
