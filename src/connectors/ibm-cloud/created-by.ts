import type { IbmCloudClient } from './ibm-cloud-client.js';
import type { IbmResourceInstance, IbmResourceKey, IbmServiceId, IbmServiceIdKey } from './ibm-cloud-types.js';

/** A service ID the person created, with every API key on it (whoever made the key). */
export interface CreatedServiceId extends IbmServiceId {
  keys: IbmServiceIdKey[];
}

/** The service IDs the person created in one account: two account-wide listings, shared by everyone asking at once. */
export interface CreatedServiceIds {
  serviceIds: CreatedServiceId[];
  /** Keys the person created on service IDs someone else created: theirs to account for, the service ID is not. */
  keysOnOthers: IbmServiceIdKey[];
}

const unique = (ids: readonly string[]) => new Set(ids.filter((id) => id !== ''));

type ResourceControllerListings = { answered: true; keys: IbmResourceKey[]; instances: IbmResourceInstance[] } | { answered: false; why: string };

/** Every service credential and instance of the account, where the Resource Controller answers for it. */
export async function resourceControllerListings(client: IbmCloudClient, accountId: string, asker?: string): Promise<ResourceControllerListings> {
  const own = await client.resourceControllerAccount();
  if (own !== accountId) {
    return { answered: false, why: `the Resource Controller answers only for account ${own}, the one IBMCLOUD_API_KEY belongs to` };
  }
  const [keys, instances] = await Promise.all([client.listResourceKeys(accountId, asker), client.listResourceInstances(accountId, asker)]);
  return { answered: true, keys, instances };
}

/** The CRNs of the service IDs IBM minted for service credentials. */
export function mintedBy(resourceKeys: readonly IbmResourceKey[]): Set<string> {
  return new Set(resourceKeys.flatMap((k) => (k.serviceIdCrn ? [k.serviceIdCrn] : [])));
}

/**
 * The service IDs a person created in the account, as a step works on them: without those IBM
 * minted for service credentials. Which those are is read once per step execution (every service
 * credential of the account is many pages), not again at each read-back, and only when the person
 * created any service ID (most people created none, and every listing is one more call that can
 * fail); a credential made since mints a service ID nobody created by hand, no concern of the person's.
 */
export function createdServiceIdsOf(client: IbmCloudClient, accountId: string): (iamIds: readonly string[], asker?: string) => Promise<CreatedServiceId[]> {
  let minted: Promise<Set<string>> | undefined;
  return async (iamIds, asker) => {
    const candidates = (await serviceIdsCreatedBy(client, accountId, iamIds, asker)).serviceIds;
    if (candidates.length === 0) return [];
    minted ??= resourceControllerListings(client, accountId, asker).then(
      (rc) => mintedBy(rc.answered ? rc.keys : []),
      (err: unknown) => {
        minted = undefined;
        throw err;
      },
    );
    const mintedCrns = await minted;
    return candidates.filter((s) => !(s.crn !== undefined && mintedCrns.has(s.crn)));
  };
}

/**
 * The service IDs created by any of `iamIds` (the IAM id of the earliest record of each one's
 * history, compared exactly), and the keys they created on anyone else's.
 */
export async function serviceIdsCreatedBy(client: IbmCloudClient, accountId: string, iamIds: readonly string[], asker?: string): Promise<CreatedServiceIds> {
  const mine = unique(iamIds);
  const [all, keys] = await Promise.all([client.listServiceIds(accountId, asker), client.listServiceIdKeys(accountId, asker)]);
  const serviceIds = all
    .filter((s) => s.createdBy !== undefined && mine.has(s.createdBy))
    .map((s) => ({ ...s, keys: keys.filter((k) => k.iamId === s.iamId) }));
  const covered = new Set(serviceIds.map((s) => s.iamId));
  const keysOnOthers = keys.filter((k) => k.createdBy !== undefined && mine.has(k.createdBy) && !covered.has(k.iamId));
  return { serviceIds, keysOnOthers };
}
