import type { RotateAction } from '../connector.js';
import { PermanentError } from '../step-errors.js';
import { resourceLink, serviceIdLink, serviceIdsLink } from './console-links.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';

const DESCRIPTION = 'Made by the offboarding bot to replace a handed-over key; its value is stored: collect it here.';

/** A service ID's console page from its IAM id (`iam-ServiceId-…`), where its keys are; the list of service IDs otherwise. */
const keysPage = (accountId: string, iamId: string | undefined) =>
  iamId?.startsWith('iam-ServiceId-') ? serviceIdLink(accountId, iamId.slice('iam-'.length)) : serviceIdsLink(accountId);

/**
 * Rotating an API key on a service ID: a new key on the same service ID whose value IAM stores
 * (`storeValue`), so the successor collects it on the service ID's page; the old key is disabled
 * (reversible) once they switched, and deleted at the delete phase. A key named `name` on that
 * service ID is the one an earlier attempt made: it is taken, not made twice.
 */
export function apiKeyRotation(client: IbmCloudClient, accountId: string): RotateAction {
  return {
    async replace(itemId, name, transactionId) {
      const old = await client.getApiKey(itemId);
      if (!old?.iamId) throw new PermanentError(`API key ${itemId} no longer exists: there is nothing to replace`);
      const [made] = await client.apiKeysNamed(accountId, old.iamId, name);
      const replacement = made ?? (await client.createStoredApiKey(accountId, old.iamId, name, DESCRIPTION, transactionId));
      return { ...replacement, link: keysPage(accountId, old.iamId) };
    },
    async read(itemId) {
      const key = await client.getApiKey(itemId);
      return key ? { disabled: key.disabled, ...(key.lastUsed ? { lastUsed: key.lastUsed } : {}) } : undefined;
    },
    disable: (itemId, transactionId) => client.disableApiKey(itemId, transactionId),
    remove: (itemId, transactionId) => client.deleteApiKey(itemId, transactionId),
  };
}

/**
 * Rotating a service credential (resource key): a new one on the same instance with the same role,
 * whose secret the successor reads on the instance's page. Its secret works through the API key
 * IBM minted for it (`credentials.iam_apikey_id`): that key's last use is the credential's, and
 * disabling it is the reversible step; the credential itself is deleted at the delete phase.
 */
export function resourceKeyRotation(client: IbmCloudClient, accountId: string): RotateAction {
  const minted = async (itemId: string) => {
    const key = await client.getResourceKey(itemId);
    if (key && !key.apiKeyId)
      throw new PermanentError(`service credential ${key.name} names no API key of its own (it is not IAM-enabled): it cannot be disabled, only deleted`);
    return key;
  };
  return {
    async replace(itemId, name, transactionId) {
      const old = await client.getResourceKey(itemId);
      if (!old) throw new PermanentError(`service credential ${itemId} no longer exists: there is nothing to replace`);
      if (!old.sourceCrn) throw new PermanentError(`service credential ${old.name} names no service instance: a replacement cannot be made on it`);
      const [made] = await client.resourceKeysNamed(old.sourceCrn, name);
      const replacement = made ?? (await client.createResourceKey(old.sourceCrn, name, old.roleCrn, transactionId));
      return { ...replacement, link: resourceLink(accountId, old.sourceCrn) };
    },
    async read(itemId) {
      const key = await minted(itemId);
      if (!key) return undefined;
      const state = await client.getApiKey(key.apiKeyId!);
      // The minted key gone with the credential still listed: it no longer authenticates.
      return state ? { disabled: state.disabled, ...(state.lastUsed ? { lastUsed: state.lastUsed } : {}) } : { disabled: true };
    },
    async disable(itemId, transactionId) {
      const key = await minted(itemId);
      return key ? client.disableApiKey(key.apiKeyId!, transactionId) : false;
    },
    remove: (itemId, transactionId) => client.deleteResourceKey(itemId, transactionId),
  };
}
