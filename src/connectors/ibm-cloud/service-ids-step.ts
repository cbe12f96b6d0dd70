import type { Finding, StepCapabilities, StepContext } from '../connector.js';
import { createdServiceIdsOf } from './created-by.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { removeEach } from './person-scoped-step.js';

/**
 * The service IDs the person created, deleted with every API key on them at the delete phase only
 * (never at the disable phase: their keys are disabled then, reversibly, by `serviceIdKeysStep`).
 * Nothing to restore: a reinstatement comes before any deletion. Service IDs IBM minted for
 * service credentials are left to their credentials.
 */
export function serviceIdsStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  const createdServiceIds = createdServiceIdsOf(client, accountId);
  const serviceIdsOf = async (ctx: StepContext): Promise<Finding[]> => {
    const serviceIds = await createdServiceIds(
      ctx.identities.map((i) => i.id),
      ctx.asker,
    );
    return serviceIds.map((s) => ({
      id: s.id,
      label: `service ID ${s.name}`,
      detail: s.keys.length === 1 ? 'with its API key' : `with its ${s.keys.length} API keys`,
    }));
  };
  return {
    async inventory(ctx) {
      const found = await serviceIdsOf(ctx);
      return found.length ? { found } : { found, note: 'they created no service ID in this account' };
    },
    delete: {
      act: (ctx, found) => removeEach(found, (id) => client.deleteServiceId(id, ctx.transactionId)),
      async readBack(ctx) {
        const remaining = await serviceIdsOf(ctx);
        return { confirmed: remaining.length === 0, remaining };
      },
    },
  };
}
