import type { Finding, Inventory, StepCapabilities, StepContext } from '../connector.js';
import { resourceLink, serviceIdsLink, trustedProfileLink } from './console-links.js';
import { resourceControllerListings, serviceIdsCreatedBy } from './created-by.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import type { IbmApiKeyState } from './ibm-cloud-types.js';
import { apiKeyRotation, resourceKeyRotation } from './rotation.js';

const used = (state: IbmApiKeyState | undefined): Partial<Finding> =>
  state ? { useCount: state.useCount, ...(state.lastUsed ? { lastUsed: state.lastUsed } : {}) } : {};
const usedText = (state: IbmApiKeyState | undefined) => (state ? `; used ${state.useCount} times${state.lastUsed ? `, last ${state.lastUsed}` : ''}` : '');
const made = (createdAt: string | undefined): Partial<Finding> => (createdAt ? { createdAt } : {});
const mineOf = (ctx: StepContext) => new Set(ctx.identities.map((i) => i.id));
const listed = (found: Finding[], none: string, note?: string): Inventory =>
  found.length ? { found, ...(note ? { note } : {}) } : { found, note: note ?? none };

/**
 * Service credentials (resource keys) and service instances the person created, recorded with
 * their creator and never changed: the person has seen the credentials' secrets (rotating them is
 * the successor's task), and the instances keep running, the successor their owner of record. The
 * Resource Controller answers only for the bot's own account: elsewhere the step is not checked.
 */
export function createdCredentialsStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return {
    rotate: resourceKeyRotation(client, accountId),
    async inventory(ctx) {
      const mine = mineOf(ctx);
      const rc = await resourceControllerListings(client, accountId, ctx.asker);
      if (!rc.answered) return { found: [], unchecked: rc.why };
      const owner = ctx.created?.successor ? `owner of record: ${ctx.created.successor}` : 'no owner of record named';
      const found: Finding[] = [];
      for (const key of rc.keys.filter((k) => k.createdBy !== undefined && mine.has(k.createdBy))) {
        // The activity of the API key IBM minted for it: the one its secret holds.
        const state = key.apiKeyId ? await client.getApiKey(key.apiKeyId) : undefined;
        found.push({
          id: key.id,
          label: `service credential ${key.name}`,
          kind: 'service credential',
          detail: `created by them (${key.createdBy}); not changed: they have seen its secret, to be rotated (a rotation task in the checklist)${usedText(state)}`,
          ...used(state),
          ...made(key.createdAt),
          link: resourceLink(accountId, key.sourceCrn),
          rotate: true,
        });
      }
      for (const instance of rc.instances.filter((i) => i.createdBy !== undefined && mine.has(i.createdBy))) {
        found.push({
          id: instance.id,
          label: `service instance ${instance.name}`,
          kind: 'service instance',
          detail: `created by them (${instance.createdBy}); keeps running, ${owner}`,
          ...made(instance.createdAt),
          link: resourceLink(accountId, instance.crn),
        });
      }
      return listed(found, 'they created no service credential or instance here');
    },
  };
}

/**
 * API keys the person made on someone else's service ID (left working, as the service ID is not
 * theirs; a rotation task, since they have seen the secret) and trusted profiles the person
 * created, recorded with their creator and never changed. A service ID IBM
 * minted for the person's credential has the person as its creator, so its key is theirs, not here.
 */
export function createdKeysAndProfilesStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return {
    rotate: apiKeyRotation(client, accountId),
    async inventory(ctx) {
      const mine = mineOf(ctx);
      const [{ keysOnOthers }, profiles] = await Promise.all([
        serviceIdsCreatedBy(client, accountId, [...mine], ctx.asker),
        client.listTrustedProfiles(accountId, ctx.asker),
      ]);
      const found: Finding[] = [];
      for (const key of keysOnOthers) {
        const state = await client.getApiKey(key.id);
        found.push({
          id: key.id,
          label: `${key.name} (API key on someone else's service ID)`,
          kind: "API key on someone else's service ID",
          detail: `created by them (${key.createdBy}); not changed: they have seen its secret, to be rotated (a rotation task in the checklist)${usedText(state)}`,
          ...used(state),
          ...made(key.createdAt),
          link: serviceIdsLink(accountId),
          rotate: true,
        });
      }
      for (const profile of profiles.filter((p) => p.createdBy !== undefined && mine.has(p.createdBy))) {
        found.push({
          id: profile.id,
          label: `trusted profile ${profile.name}`,
          kind: 'trusted profile',
          detail: `created by them (${profile.createdBy}); not changed`,
          ...made(profile.createdAt),
          link: trustedProfileLink(accountId, profile.id),
        });
      }
      return listed(found, "they made no key on others' service IDs and no trusted profile here");
    },
  };
}
