import type { RevocationStep } from '../connector.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { personScopedStep, removeEach } from './person-scoped-step.js';

/** Removes the person from the account itself; runs after their keys, groups and policies are gone. */
export function accountMembershipStep(client: IbmCloudClient, accountId: string): RevocationStep {
  return personScopedStep(client, accountId, {
    list: async (user) =>
      (await client.isMember(accountId, user.iamId))
        ? [{ id: user.iamId, label: `${user.name || user.email} <${user.email}>`, detail: `state ${user.state}` }]
        : [],
    revoke: (ctx, _user, found) => removeEach(found, (iamId) => client.removeUser(accountId, iamId, ctx.transactionId)),
  });
}
