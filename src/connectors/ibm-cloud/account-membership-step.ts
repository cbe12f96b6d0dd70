import type { StepCapabilities } from '../connector.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { personScopedStep, removeEach } from './person-scoped-step.js';

/**
 * Removes the person from the account itself, at the end: during the grace period they stay a
 * member (with no access), so a reinstatement needs no new invitation.
 */
export function accountMembershipStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return personScopedStep(accountId, {
    list: async (identity) => ((await client.isMember(accountId, identity.id)) ? [{ id: identity.id, label: identity.label, detail: identity.detail }] : []),
    delete: { act: (ctx, _identity, found) => removeEach(found, (iamId) => client.removeUser(accountId, iamId, ctx.transactionId)) },
  });
}
