import type { IbmCloudClient } from './ibm-cloud-client.js';
import type { IbmActivity, IbmResourceInstance, IbmResourceKey, IbmServiceId, IbmServiceIdKey, IbmTrustedProfile } from './ibm-cloud-types.js';

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

export interface WithActivity<T> {
  item: T;
  /** From a single read; undefined when the item was gone by then. */
  activity?: IbmActivity;
}

/** A policy on a service ID the person created that someone else granted: another team depends on that service ID. */
export interface ForeignGrant {
  policyId: string;
  grantedBy: string;
  roles: string[];
  resource: string;
}

/** Everything the person created in one account, each item with its last use where IBM has one. */
export interface CreatedByInventory {
  accountId: string;
  serviceIds: (WithActivity<IbmServiceId> & { keys: WithActivity<IbmServiceIdKey>[]; grantedByOthers: ForeignGrant[] })[];
  keysOnOthers: WithActivity<IbmServiceIdKey>[];
  /** Service credentials; `mintedKey` is the activity of the API key IBM minted for it, the one its secret holds. */
  resourceKeys: (IbmResourceKey & { mintedKey?: IbmActivity })[];
  instances: IbmResourceInstance[];
  profiles: IbmTrustedProfile[];
  /** What could not be asked in this account, and why. */
  notChecked: string[];
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
 * history, compared exactly), and the keys they created on anyone else's. `minted` are the CRNs of
 * service IDs IBM made for service credentials: they are accounted for with their credential, not here.
 */
export async function serviceIdsCreatedBy(
  client: IbmCloudClient,
  accountId: string,
  iamIds: readonly string[],
  asker?: string,
  minted: ReadonlySet<string> = new Set(),
): Promise<CreatedServiceIds> {
  const mine = unique(iamIds);
  const [all, keys] = await Promise.all([client.listServiceIds(accountId, asker), client.listServiceIdKeys(accountId, asker)]);
  const serviceIds = all
    .filter((s) => s.createdBy !== undefined && mine.has(s.createdBy) && !(s.crn !== undefined && minted.has(s.crn)))
    .map((s) => ({ ...s, keys: keys.filter((k) => k.iamId === s.iamId) }));
  const covered = new Set([...serviceIds.map((s) => s.iamId), ...all.filter((s) => s.crn !== undefined && minted.has(s.crn)).map((s) => s.iamId)]);
  const keysOnOthers = keys.filter((k) => k.createdBy !== undefined && mine.has(k.createdBy) && !covered.has(k.iamId));
  return { serviceIds, keysOnOthers };
}

/**
 * Everything `iamIds` created in the account: service IDs and every key on them, keys on others'
 * service IDs, service credentials and instances (`created_by`), and trusted profiles (earliest
 * history record). Account-wide listings are shared by everyone asking about the account at the
 * same time; last use comes from single reads, made only for what is attributed here. The
 * Resource Controller answers only for the account the bot's API key belongs to: elsewhere,
 * credentials and instances are listed as not checked.
 */
export async function inventoryCreatedBy(client: IbmCloudClient, accountId: string, iamIds: readonly string[], asker?: string): Promise<CreatedByInventory> {
  const mine = unique(iamIds);
  const notChecked: string[] = [];
  const rc = await resourceControllerListings(client, accountId, asker);
  if (!rc.answered) notChecked.push(`service credentials and service instances: ${rc.why}`);
  const resourceKeys = rc.answered ? rc.keys.filter((k) => k.createdBy !== undefined && mine.has(k.createdBy)) : [];
  const instances = rc.answered ? rc.instances.filter((i) => i.createdBy !== undefined && mine.has(i.createdBy)) : [];
  const minted = mintedBy(rc.answered ? rc.keys : []);
  const [created, profiles] = await Promise.all([serviceIdsCreatedBy(client, accountId, iamIds, asker, minted), client.listTrustedProfiles(accountId, asker)]);

  // Single reads, one at a time: IBM calls activity expensive, and the account's rate budget is shared.
  const keyActivity = async (key: IbmServiceIdKey): Promise<WithActivity<IbmServiceIdKey>> => {
    const state = await client.getApiKey(key.id);
    return { item: key, ...(state ? { activity: { lastUsed: state.lastUsed, useCount: state.useCount } } : {}) };
  };
  const serviceIds: CreatedByInventory['serviceIds'] = [];
  for (const { keys, ...serviceId } of created.serviceIds) {
    const activity = await client.getServiceIdActivity(serviceId.id);
    const withKeys: WithActivity<IbmServiceIdKey>[] = [];
    for (const key of keys) withKeys.push(await keyActivity(key));
    const policies = await client.listDirectPolicies(accountId, serviceId.iamId);
    const grantedByOthers = policies
      .filter((p) => p.grantedBy !== undefined && !mine.has(p.grantedBy))
      .map((p) => ({ policyId: p.id, grantedBy: p.grantedBy!, roles: p.roles, resource: p.resource }));
    serviceIds.push({ item: serviceId, ...(activity ? { activity } : {}), keys: withKeys, grantedByOthers });
  }
  const keysOnOthers: WithActivity<IbmServiceIdKey>[] = [];
  for (const key of created.keysOnOthers) keysOnOthers.push(await keyActivity(key));
  const credentials: CreatedByInventory['resourceKeys'] = [];
  for (const key of resourceKeys) {
    const state = key.apiKeyId ? await client.getApiKey(key.apiKeyId) : undefined;
    credentials.push({ ...key, ...(state ? { mintedKey: { lastUsed: state.lastUsed, useCount: state.useCount } } : {}) });
  }

  return {
    accountId,
    serviceIds,
    keysOnOthers,
    resourceKeys: credentials,
    instances,
    profiles: profiles.filter((p) => p.createdBy !== undefined && mine.has(p.createdBy)),
    notChecked,
  };
}
