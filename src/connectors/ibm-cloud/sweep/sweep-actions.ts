import { PermanentError, RetryableError } from '../../step-errors.js';
import type { IbmCloudClient } from '../ibm-cloud-client.js';
import type { SweepEvent, SweepTrail } from './sweep-trail.js';

export type SweepTargetKind = SweepEvent['kind'];

/** One Disable or Enable clicked on a digest, as its job carries it between attempts. */
export interface SweepAction {
  action: 'disable' | 'enable';
  account: string;
  kind: SweepTargetKind;
  id: string;
  actor: string;
  /** The API keys this action changes, fixed by its first attempt, so a retry changes and records the same. */
  keys?: string[];
  name?: string;
}

/**
 * Disables or enables a key or a service ID's keys, then reads each back until IAM confirms it.
 * Idempotent: the keys to change are fixed first (`plan`, kept by the caller across retries), and
 * disabling a disabled key or enabling an enabled one changes nothing. Enable gives back exactly the
 * keys the sweep's last Disable of the same target took, and nothing the sweep did not disable
 * (a key an offboarding disabled stays disabled).
 */
export class SweepActions {
  constructor(
    private readonly client: IbmCloudClient,
    private readonly trail: SweepTrail,
  ) {}

  /** The keys the action will change, and the target's name; read once, before anything changes. */
  async plan(a: SweepAction): Promise<{ keys: string[]; name: string }> {
    const ibm = this.client.inAccount(a.account);
    if (a.action === 'enable') {
      const last = await this.trail.lastDisable(a.kind, a.id);
      if (!last) throw new PermanentError('the sweep has not disabled it (or it was enabled since): nothing to give back');
      return { keys: last.keys, name: last.name };
    }
    if (a.kind === 'serviceid') {
      const svc = await ibm.getServiceId(a.id);
      if (!svc || svc.accountId !== a.account) throw new PermanentError(`service ID ${a.id} no longer exists in account ${a.account}`);
      const keys = (await ibm.apiKeysOf(a.account, svc.iamId)).filter((k) => !k.disabled).map((k) => k.id);
      return { keys, name: svc.name };
    }
    const key = await ibm.getApiKey(a.id);
    if (!key || key.accountId !== a.account) throw new PermanentError(`API key ${a.id} no longer exists in account ${a.account}`);
    return { keys: key.disabled ? [] : [key.id], name: key.name };
  }

  /** Changes each planned key and reads it back: a key IAM does not show changed yet is retried by the job. */
  async apply(a: SweepAction & { keys: string[] }, transactionId: string): Promise<void> {
    const ibm = this.client.inAccount(a.account);
    const disable = a.action === 'disable';
    for (const id of a.keys) {
      if (disable) await ibm.disableApiKey(id, transactionId);
      else await ibm.enableApiKey(id, transactionId);
    }
    for (const id of a.keys) {
      const now = await ibm.getApiKey(id);
      // A key deleted meanwhile signs in no more: confirmed for a disable, lost for an enable.
      if (!now) {
        if (disable) continue;
        throw new PermanentError(`API key ${id} no longer exists: it cannot be enabled again`);
      }
      if (now.disabled !== disable) throw new RetryableError(`IAM does not show API key ${id} ${disable ? 'disabled' : 'enabled'} yet`);
    }
  }

  record(a: SweepAction & { keys: string[]; name: string }): Promise<unknown> {
    return this.trail.append({
      action: a.action === 'disable' ? 'disabled' : 'enabled',
      actor: a.actor,
      account: a.account,
      kind: a.kind,
      id: a.id,
      name: a.name,
      keys: a.keys,
    });
  }
}
