import type { Finding, StepCapabilities, StepContext } from '../connector.js';
import { mintedBy, resourceControllerListings, serviceIdsCreatedBy } from './created-by.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';

const used = (state: { useCount: number; lastUsed?: string } | undefined): Partial<Finding> =>
  state ? { useCount: state.useCount, ...(state.lastUsed ? { lastUsed: state.lastUsed } : {}) } : {};
const usedText = (state: { useCount: number; lastUsed?: string } | undefined) =>
  state ? `; used ${state.useCount} times${state.lastUsed ? `, last ${state.lastUsed}` : ''}` : '';

/**
 * What the person created in the account that no step acts on, recorded with its creator: service
 * credentials (the person has seen their secrets: rotating them is the successor's task), API keys
 * they made on someone else's service ID (its owner's to rotate), service instances (they keep
 * running; the successor is their owner of record) and trusted profiles. Listed, never changed.
 */
export function createdResourcesStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return {
    async inventory(ctx: StepContext) {
      const mine = new Set(ctx.identities.map((i) => i.id));
      const by = (iamId: string | undefined) => (iamId !== undefined && mine.has(iamId) ? iamId : undefined);
      const owner = ctx.created?.successor ? `owner of record: ${ctx.created.successor}` : 'no owner of record named';
      const rc = await resourceControllerListings(client, accountId, ctx.asker);
      const [created, profiles] = await Promise.all([
        serviceIdsCreatedBy(client, accountId, [...mine], ctx.asker, mintedBy(rc.answered ? rc.keys : [])),
        client.listTrustedProfiles(accountId, ctx.asker),
      ]);
      const found: Finding[] = [];
      for (const key of rc.answered ? rc.keys.filter((k) => by(k.createdBy)) : []) {
        // The activity of the API key IBM minted for it: the one its secret holds.
        const state = key.apiKeyId ? await client.getApiKey(key.apiKeyId) : undefined;
        found.push({
          id: key.id,
          label: `service credential ${key.name}`,
          kind: 'service credential',
          detail: `created by them (${key.createdBy}); not changed: they have seen its secret, to be rotated${usedText(state)}`,
          ...used(state),
          ...(key.createdAt ? { createdAt: key.createdAt } : {}),
        });
      }
      for (const key of created.keysOnOthers) {
        const state = await client.getApiKey(key.id);
        found.push({
          id: key.id,
          label: `${key.name} (API key on someone else's service ID)`,
          kind: "API key on someone else's service ID",
          detail: `created by them (${key.createdBy}); not changed: the service ID's owner rotates it${usedText(state)}`,
          ...used(state),
          ...(key.createdAt ? { createdAt: key.createdAt } : {}),
        });
      }
      for (const instance of rc.answered ? rc.instances.filter((i) => by(i.createdBy)) : []) {
        found.push({
          id: instance.id,
          label: `service instance ${instance.name}`,
          kind: 'service instance',
          detail: `created by them (${instance.createdBy}); keeps running, ${owner}`,
          ...(instance.createdAt ? { createdAt: instance.createdAt } : {}),
        });
      }
      for (const profile of profiles.filter((p) => by(p.createdBy))) {
        found.push({
          id: profile.id,
          label: `trusted profile ${profile.name}`,
          kind: 'trusted profile',
          detail: `created by them (${profile.createdBy}); not changed`,
          ...(profile.createdAt ? { createdAt: profile.createdAt } : {}),
        });
      }
      const unchecked = rc.answered ? undefined : `service credentials and service instances not checked: ${rc.why}`;
      return found.length ? { found, ...(unchecked ? { note: unchecked } : {}) } : { found, note: unchecked ?? 'they created no service credential, instance or trusted profile here' };
    },
  };
}
