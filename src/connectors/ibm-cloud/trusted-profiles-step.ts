import type { RevocationStep } from '../connector.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { personScopedStep, removeEach } from './person-scoped-step.js';

/** Unlinks the person from every trusted profile they may assume: a way into the account that outlives their own access. */
export function trustedProfilesStep(client: IbmCloudClient, accountId: string): RevocationStep {
  return personScopedStep(client, accountId, {
    list: async (user) =>
      (await client.listProfileLinks(accountId, user.iamId)).map((l) => ({ id: l.profileId, label: `may assume ${l.profileName}` })),
    revoke: (ctx, user, found) => removeEach(found, (profileId) => client.unlinkProfile(profileId, user.iamId, ctx.transactionId)),
  });
}
