import type { IbmCloudClient } from '../ibm-cloud-client.js';
import type { VpcKey, VpcServer } from '../vpc-client.js';

/** Every SSH key and server of the configured regions in one account, or why it could not be asked. */
export type VpcListing = { answered: true; keys: VpcKey[]; servers: VpcServer[] } | { answered: false; why: string };

/** Why VPC cannot be asked at all as configured: the steps are then not planned (see StepCapabilities.unavailable). */
export const vpcUnavailable = (client: IbmCloudClient, accountId: string): string | undefined =>
  client.vpcOf(accountId) ? undefined : 'IBMCLOUD_VPC_REGIONS is unset';

/** VPC answers only for the account the bot's API key belongs to, and only in IBMCLOUD_VPC_REGIONS. */
export async function vpcListing(client: IbmCloudClient, accountId: string): Promise<VpcListing> {
  const vpc = client.vpcOf(accountId);
  if (!vpc) return { answered: false, why: 'IBMCLOUD_VPC_REGIONS is unset' };
  const own = await client.resourceControllerAccount();
  if (own !== accountId) return { answered: false, why: `VPC answers only for account ${own}, the one IBMCLOUD_API_KEY belongs to` };
  const keys: VpcKey[] = [];
  const servers: VpcServer[] = [];
  for (const region of vpc.regionNames) {
    keys.push(...(await vpc.listKeys(region)));
    servers.push(...(await vpc.listServers(region)));
  }
  return { answered: true, keys, servers };
}

const letters = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Whether a key's name or its public key's comment mentions the person: their email, or its local
 * part with separators ignored (`jane.doe` in `janedoe-laptop`). Only a suggestion the review
 * modal pre-selects: IBM records no creator, and an approver decides.
 */
export function mentions(key: VpcKey, email: string): boolean {
  const local = letters(email.split('@')[0] ?? '');
  if (local.length < 3) return [key.name, key.comment ?? ''].some((t) => t.toLowerCase().includes(email.toLowerCase()));
  return [key.name, key.comment ?? ''].some((t) => letters(t).includes(local));
}

/** The servers a key was installed on when they were created. */
export const serversOf = (key: Pick<VpcKey, 'id' | 'region'>, servers: readonly VpcServer[]): VpcServer[] =>
  servers.filter((s) => s.region === key.region && s.keyIds.includes(key.id));

export const keyLabel = (key: { name: string; region: string }) => `SSH key ${key.name} (${key.region})`;
