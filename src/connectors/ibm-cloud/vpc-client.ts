import type { IamAuthenticator } from '@ibm-cloud/platform-services/auth/index.js';
import { BaseService } from 'ibm-cloud-sdk-core';

/**
 * The API version every VPC call names (`version`, required by IBM): the shapes read here are
 * those of this date. `generation=2` is sent beside it, as IBM asks of every VPC call.
 */
export const VPC_API_VERSION = '2025-04-08';

/** A VPC SSH key as listed: IBM records no creator, so its name and its public key's comment are all that may name whose it is. */
export interface VpcKey {
  id: string;
  name: string;
  region: string;
  /** The text after the key material in `public_key` (`jane@laptop`), where there is one. */
  comment?: string;
  fingerprint?: string;
  createdAt?: string;
}

/** A virtual server, with the keys its initialization installed in root's authorized_keys. */
export interface VpcServer {
  id: string;
  name: string;
  region: string;
  keyIds: string[];
}

interface KeyWire {
  id?: string;
  name?: string;
  public_key?: string;
  fingerprint?: string;
  created_at?: string;
}

/**
 * VPC's REST API of one region, through the SDK core IBM's own SDKs are built on (IBM's VPC SDK
 * is not in the registry we reach), with the bot's IAM authenticator. It only builds requests:
 * the caller (IbmCloudClient's `call`) counts and classifies them, and BullMQ retries.
 */
class VpcRegion extends BaseService {
  constructor(
    readonly region: string,
    serviceUrl: string,
    authenticator: IamAuthenticator,
    timeout: number,
  ) {
    super({ authenticator, serviceUrl, timeout });
  }

  get<T>(url: string, path: Record<string, string> = {}, start?: string): Promise<{ result: T }> {
    return this.send('GET', url, path, start ? { start, limit: 100 } : { limit: 100 });
  }

  delete(url: string, path: Record<string, string>): Promise<{ result: unknown }> {
    return this.send('DELETE', url, path, {});
  }

  private send<T>(method: string, url: string, path: Record<string, string>, qs: Record<string, string | number>): Promise<{ result: T }> {
    const query = { version: VPC_API_VERSION, generation: 2, ...qs };
    return this.createRequest({
      options: { url, method, qs: method === 'GET' ? query : { version: VPC_API_VERSION, generation: 2 }, path },
      defaultOptions: { ...this.baseOptions, headers: { Accept: 'application/json' } },
    });
  }
}

export type VpcCall = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;

/** Every configured region's VPC: keys and servers, every page followed. */
export class VpcClient {
  private readonly regions: Map<string, VpcRegion>;

  constructor(
    settings: { regions: string[]; url: string; timeoutMs: number },
    authenticator: IamAuthenticator,
    private readonly call: VpcCall,
  ) {
    this.regions = new Map(settings.regions.map((r) => [r, new VpcRegion(r, settings.url.replaceAll('{region}', r), authenticator, settings.timeoutMs)]));
  }

  get regionNames(): string[] {
    return [...this.regions.keys()];
  }

  async listKeys(region: string): Promise<VpcKey[]> {
    const keys = await this.allPages<KeyWire>('list VPC keys', region, '/keys', 'keys');
    return keys.flatMap((k) => (k.id ? [asKey(region, k)] : []));
  }

  /** Undefined when the key no longer exists. */
  async getKey(region: string, id: string): Promise<VpcKey | undefined> {
    return this.call('get VPC key', async () => {
      const found = await absentIs404(() => this.in(region).get<KeyWire>('/keys/{id}', { id }));
      return found && asKey(region, found.result);
    });
  }

  /** False when the key was already gone. */
  async deleteKey(region: string, id: string): Promise<boolean> {
    return this.call('delete VPC key', async () => (await absentIs404(() => this.in(region).delete('/keys/{id}', { id }))) !== undefined);
  }

  /** Every server of the region, with the keys its initialization installed. */
  async listServers(region: string): Promise<VpcServer[]> {
    const instances = await this.allPages<{ id?: string; name?: string }>('list VPC instances', region, '/instances', 'instances');
    const servers: VpcServer[] = [];
    for (const instance of instances) {
      if (!instance.id) continue;
      const id = instance.id;
      const { result } = await this.call('get VPC instance initialization', () =>
        this.in(region).get<{ keys?: { id?: string }[] }>('/instances/{id}/initialization', { id }),
      );
      servers.push({ id, name: instance.name ?? id, region, keyIds: (result.keys ?? []).flatMap((k) => (k.id ? [k.id] : [])) });
    }
    return servers;
  }

  /** Follows `next.href` to its last page, asking again with the `start` it carries. */
  private async allPages<T>(operation: string, region: string, url: string, collection: string): Promise<T[]> {
    const items: T[] = [];
    let start: string | undefined;
    do {
      const { result } = await this.call(operation, () => this.in(region).get<Record<string, unknown>>(url, {}, start));
      items.push(...((result[collection] as T[] | undefined) ?? []));
      const next = (result as { next?: { href?: string } }).next?.href;
      start = next ? (new URL(next).searchParams.get('start') ?? undefined) : undefined;
    } while (start);
    return items;
  }

  private in(region: string): VpcRegion {
    const service = this.regions.get(region);
    if (!service) throw new Error(`VPC region ${region} is not in IBMCLOUD_VPC_REGIONS`);
    return service;
  }
}

/** Undefined on 404, inside the counted call so that "not found" is an answer, not an error. */
async function absentIs404<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if ((err as { status?: number } | null)?.status === 404) return undefined;
    throw err;
  }
}

function asKey(region: string, k: KeyWire): VpcKey {
  // `ssh-ed25519 AAAA… jane@laptop`: the comment is everything after the type and the key material.
  const comment = k.public_key?.trim().split(/\s+/).slice(2).join(' ');
  return {
    id: k.id!,
    name: k.name ?? k.id!,
    region,
    ...(comment ? { comment } : {}),
    ...(k.fingerprint ? { fingerprint: k.fingerprint } : {}),
    ...(k.created_at ? { createdAt: k.created_at } : {}),
  };
}
