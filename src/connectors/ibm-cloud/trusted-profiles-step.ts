import type { StepCapabilities } from '../connector.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { personScopedStep, removeEach } from './person-scoped-step.js';

/** Unlinks the person from every trusted profile they may assume: a way into the account that outlives their own access. */
export function trustedProfilesStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return personScopedStep(accountId, {
    list: async (identity) =>
      (await client.listProfileLinks(accountId, identity.id)).map((l) => ({ id: l.profileId, label: `may assume ${l.profileName}` })),
    remove: (ctx, identity, found) => removeEach(found, (profileId) => client.unlinkProfile(profileId, identity.id, ctx.transactionId)),
  });
}
