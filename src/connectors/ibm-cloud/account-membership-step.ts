import type { StepCapabilities } from '../connector.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { personScopedStep, removeEach } from './person-scoped-step.js';

/** Removes the person from the account itself; runs after their keys, groups and policies are gone. */
export function accountMembershipStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return personScopedStep(accountId, {
    list: async (identity) => ((await client.isMember(accountId, identity.id)) ? [{ id: identity.id, label: identity.label, detail: identity.detail }] : []),
    remove: (ctx, _identity, found) => removeEach(found, (iamId) => client.removeUser(accountId, iamId, ctx.transactionId)),
  });
}
