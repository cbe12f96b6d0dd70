import type { Finding, StepCapabilities, StepContext } from '../connector.js';
import { endsCreated, kept, ownKeyRefusal } from './created-choice.js';
import { serviceIdLink } from './console-links.js';
import { createdServiceIdsOf } from './created-by.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { changeEach } from './person-scoped-step.js';

/**
 * The service IDs the person created, deleted with every API key on them at the delete phase only
 * (never at the disable phase: their keys are disabled then, reversibly, by `serviceIdKeysStep`).
 * Nothing to restore: a reinstatement comes before any deletion. Service IDs IBM minted for
 * service credentials are left to their credentials. Handed over (or nothing chosen), each is kept
 * and recorded so. The service ID the bot's own key sits on is never deleted: the step refuses it.
 * The inventory flags a service ID someone else granted access to: another team depends on it.
 */
export function serviceIdsStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  const createdServiceIds = createdServiceIdsOf(client, accountId);
  const serviceIdsOf = async (ctx: StepContext): Promise<(Finding & { iamId: string })[]> => {
    const serviceIds = await createdServiceIds(
      ctx.identities.map((i) => i.id),
      ctx.asker,
    );
    return serviceIds.map((s) => ({
      id: s.id,
      iamId: s.iamId,
      label: `service ID ${s.name}`,
      // Its keys go with it: each is named, so none is deleted without the evidence saying so.
      detail:
        s.keys.length === 0
          ? 'with no API key'
          : `with its ${s.keys.length === 1 ? 'API key' : `${s.keys.length} API keys`} ${s.keys.map((k) => `${k.name} (${k.id})`).join(', ')}`,
      ...(s.createdAt ? { createdAt: s.createdAt } : {}),
      link: serviceIdLink(accountId, s.id),
    }));
  };
  return {
    async inventory(ctx) {
      const mine = new Set(ctx.identities.map((i) => i.id));
      const found: Finding[] = [];
      for (const { iamId, ...serviceId } of await serviceIdsOf(ctx)) {
        // Policies on it granted by anyone but the person: others rely on it.
        const grantors = [
          ...new Set((await client.listDirectPolicies(accountId, iamId)).flatMap((p) => (p.grantedBy && !mine.has(p.grantedBy) ? [p.grantedBy] : []))),
        ];
        found.push({ ...serviceId, ...(grantors.length ? { warning: `another team depends on it: ${grantors.join(', ')} granted it access` } : {}) });
      }
      return found.length ? { found } : { found, note: 'they created no service ID in this account' };
    },
    delete: {
      async *act(ctx, found) {
        if (!endsCreated(ctx)) {
          for (const serviceId of found) yield kept(ctx, serviceId);
          return;
        }
        const [own, listed] = await Promise.all([client.ownApiKey(), serviceIdsOf(ctx)]);
        const iamIdOf = new Map(listed.map((s) => [s.id, s.iamId]));
        yield* changeEach(found, async (serviceId) => {
          if (iamIdOf.get(serviceId.id) === own.iamId) throw ownKeyRefusal(`${serviceId.label} holds`);
          return (await client.deleteServiceId(serviceId.id, ctx.transactionId))
            ? { id: serviceId.id, label: serviceId.label, outcome: 'removed', detail: serviceId.detail ? `deleted ${serviceId.detail}` : 'deleted' }
            : { id: serviceId.id, label: serviceId.label, outcome: 'already_absent' };
        });
      },
      async readBack(ctx) {
        // Kept service IDs are left as they are: listing them again is the whole read-back.
        const listed = (await serviceIdsOf(ctx)).map(({ iamId: _iamId, ...s }) => s);
        const remaining = endsCreated(ctx) ? listed : [];
        return { confirmed: remaining.length === 0, remaining };
      },
    },
  };
}
