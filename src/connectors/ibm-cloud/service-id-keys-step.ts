import type { Change, Finding, StepCapabilities, StepContext } from '../connector.js';
import { endsCreated, kept, ownKeyRefusal } from './created-choice.js';
import { serviceIdLink } from './console-links.js';
import { createdServiceIdsOf } from './created-by.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { changeEach } from './person-scoped-step.js';

const DISABLED_BY_US = { disabled: false };

/**
 * The API keys of every service ID the person created (whoever made each key): what keeps working
 * after the person leaves. Disabled at the disable phase (the key keeps its id) and re-enabled on
 * reinstatement: exactly the keys this step disabled, never one that was disabled before. The
 * service IDs themselves, with their keys, go at the delete phase (`serviceIdsStep`). Service IDs
 * IBM minted for service credentials are left to their credentials, which are handed over, not disabled.
 * When the request hands them over (or chose nothing), every key is kept working and recorded so.
 * The key the bot itself runs as is never disabled: the step refuses it, naming it.
 */
export function serviceIdKeysStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  const createdServiceIds = createdServiceIdsOf(client, accountId);
  const keysOf = async (ctx: StepContext): Promise<Finding[]> => {
    const serviceIds = await createdServiceIds(
      ctx.identities.map((i) => i.id),
      ctx.asker,
    );
    const mine = new Set(ctx.identities.map((i) => i.id));
    return serviceIds.flatMap((s) =>
      s.keys.map((k) => ({
        id: k.id,
        label: `${k.name} (service ID ${s.name})`,
        ...(k.disabled ? { state: 'disabled' } : {}),
        ...(k.createdAt ? { createdAt: k.createdAt } : {}),
        ...(k.createdBy ? { createdBy: k.createdBy } : {}),
        link: serviceIdLink(accountId, s.id),
        // One they made, they have seen the value of: handed over, the successor rotates it.
        ...(k.createdBy !== undefined && mine.has(k.createdBy) ? { rotate: true } : {}),
      })),
    );
  };
  const made = (key: Finding): Change => ({ id: key.id, label: key.label, outcome: 'disabled', snapshot: DISABLED_BY_US });
  return {
    async inventory(ctx) {
      const keys = await keysOf(ctx);
      // Last use only for these keys, one single read each: IBM computes activity on request only.
      const found: Finding[] = [];
      for (const key of keys) {
        const state = await client.getApiKey(key.id);
        if (!state) continue;
        const detail = [`used ${state.useCount} times`, state.lastUsed && `last ${state.lastUsed}`, state.disabled && 'disabled'].filter(Boolean).join(', ');
        found.push({ ...key, detail, useCount: state.useCount, ...(state.lastUsed ? { lastUsed: state.lastUsed } : {}) });
      }
      return found.length || keys.length ? { found } : { found, note: 'no service ID created by them has an API key in this account' };
    },
    disable: {
      async *act(ctx, found) {
        if (!endsCreated(ctx)) {
          for (const key of found) yield kept(ctx, key);
          return;
        }
        const own = await client.ownApiKey();
        yield* changeEach(found, async (key) => {
          if (key.id === own.id) throw ownKeyRefusal(`${key.label} (${key.id}) is`);
          if (key.state === 'disabled') return { id: key.id, label: key.label, outcome: 'already_absent', detail: 'already disabled' };
          return (await client.disableApiKey(key.id, ctx.transactionId, 'service ID'))
            ? made(key)
            : { id: key.id, label: key.label, outcome: 'already_absent', detail: 'gone' };
        });
      },
      async readBack(ctx) {
        // Kept keys are left as they are: listing them again is the whole read-back.
        const keys = await keysOf(ctx);
        const remaining = endsCreated(ctx) ? keys.filter((k) => k.state !== 'disabled') : [];
        return { confirmed: remaining.length === 0, remaining };
      },
      // A lost answer: disabled now, and not when first found, so the disable was ours.
      confirm: (item, now) => (now?.state === 'disabled' && item.state !== 'disabled' ? made(item) : undefined),
    },
    restore: {
      act: (ctx, snapshots) =>
        changeEach(snapshots, async (key) =>
          (await client.enableApiKey(key.id, ctx.transactionId, 'service ID'))
            ? { id: key.id, label: key.label, outcome: 'restored', detail: 're-enabled' }
            : { id: key.id, label: key.label, outcome: 'already_absent', detail: 'deleted since; cannot be re-enabled' },
        ),
      async readBack(_ctx, restored) {
        const keys = await client.listServiceIdKeys(accountId);
        const remaining = restored
          .filter((r) => keys.find((k) => k.id === r.id)?.disabled !== false)
          .map((r) => ({ id: r.id, label: `${r.label} (not enabled)` }));
        return { confirmed: remaining.length === 0, remaining };
      },
    },
  };
}
