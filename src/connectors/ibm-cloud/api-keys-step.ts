import type { StepCapabilities } from '../connector.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { personScopedStep, removeEach } from './person-scoped-step.js';

/** Deletes the person's user API keys: a key carries its owner's access into every account they belong to. */
export function apiKeysStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return personScopedStep(accountId, {
    list: async (identity) =>
      (await client.listUserApiKeys(accountId, identity.id)).map((k) => ({
        id: k.id,
        label: k.name,
        detail: [k.createdAt && `created ${k.createdAt}`, k.lastUsed && `last used ${k.lastUsed}`].filter(Boolean).join(', ') || undefined,
      })),
    remove: (ctx, _identity, found) => removeEach(found, (id) => client.deleteApiKey(id, ctx.transactionId)),
  });
}
