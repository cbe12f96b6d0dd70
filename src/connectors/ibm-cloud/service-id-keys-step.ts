import type { Change, Finding, StepAction, StepCapabilities, StepContext } from '../connector.js';
import { disablesCreated, endsCreated, kept, ownKeyRefusal } from './created-choice.js';
import { serviceIdLink } from './console-links.js';
import { type CreatedServiceId, createdServiceIdsOf } from './created-by.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { changeEach } from './person-scoped-step.js';
import { apiKeyRotation } from './rotation.js';

const DISABLED_BY_US = { disabled: false };

/**
 * The API keys of every service ID the person created (whoever made each key): what keeps working
 * after the person leaves. When the request chose Disable, disabled at the disable phase (the key
 * keeps its id) and re-enabled on reinstatement: exactly the keys this step disabled, never one that
 * was disabled before. When it chose Delete, left working through the grace period (a reinstatement
 * then has nothing of theirs to restore) and disabled only at the delete phase. Either way the
 * service IDs themselves, with their keys, go at the delete phase (`serviceIdsStep`). Service IDs
 * IBM minted for service credentials are left to their credentials, which are handed over, not disabled.
 * When the request hands them over (or chose nothing), every key is kept working and recorded so,
 * and so is each of those service IDs that has no key: the successor's message, sent once the
 * disable phase is done, names it too, long before the delete phase keeps it again.
 * The key the bot itself runs as is never disabled: the step refuses it, naming it.
 */
export function serviceIdKeysStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  const createdServiceIds = createdServiceIdsOf(client, accountId);
  const createdBy = (ctx: StepContext) =>
    createdServiceIds(
      ctx.identities.map((i) => i.id),
      ctx.asker,
    );
  const keysOf = async (ctx: StepContext, listed?: CreatedServiceId[]): Promise<Finding[]> => {
    const serviceIds = listed ?? (await createdBy(ctx));
    const mine = new Set(ctx.identities.map((i) => i.id));
    return serviceIds.flatMap((s) =>
      s.keys.map((k) => ({
        id: k.id,
        label: `${k.name} (service ID ${s.name})`,
        ...(k.disabled ? { state: 'disabled' } : {}),
        ...(k.createdAt ? { createdAt: k.createdAt } : {}),
        ...(k.createdBy ? { createdBy: k.createdBy } : {}),
        link: serviceIdLink(accountId, s.id),
        // One they made, they have seen the value of: handed over, the successor rotates it. Ended
        // (disabled now, or deleted when the grace period ends), there is nothing to rotate.
        ...(!endsCreated(ctx) && k.createdBy !== undefined && mine.has(k.createdBy) ? { rotate: true } : {}),
      })),
    );
  };
  const made = (key: Finding): Change => ({ id: key.id, label: key.label, outcome: 'disabled', snapshot: DISABLED_BY_US });
  // Handed over, a service ID with no key is the successor's as much as one with keys.
  const keylessOf = (serviceIds: CreatedServiceId[]): Finding[] =>
    serviceIds
      .filter((s) => s.keys.length === 0)
      .map((s) => ({
        id: s.id,
        label: `service ID ${s.name} (no API key)`,
        kind: 'service ID with no API key',
        ...(s.createdAt ? { createdAt: s.createdAt } : {}),
        ...(s.createdBy ? { createdBy: s.createdBy } : {}),
        link: serviceIdLink(accountId, s.id),
      }));
  /** Disables the keys found when `ends` says the request ends them now; otherwise keeps each, saying why. */
  const disabling = (ends: (ctx: StepContext) => boolean): StepAction => ({
    async *act(ctx, found) {
      if (!ends(ctx)) {
        for (const key of found) yield kept(ctx, key);
        return;
      }
      const own = await client.ownApiKey();
      yield* changeEach(found, async (key) => {
        if (key.id === own.id) throw ownKeyRefusal(`${key.label} (${key.id}) is`);
        if (key.state === 'disabled') return { id: key.id, label: key.label, outcome: 'already_absent', detail: 'already disabled' };
        return (await client.disableApiKey(key.id, ctx.transactionId))
          ? made(key)
          : { id: key.id, label: key.label, outcome: 'already_absent', detail: 'gone' };
      });
    },
    async readBack(ctx) {
      // Kept keys are left as they are: listing them again is the whole read-back.
      const keys = await keysOf(ctx);
      const remaining = ends(ctx) ? keys.filter((k) => k.state !== 'disabled') : [];
      return { confirmed: remaining.length === 0, remaining };
    },
    // A lost answer: disabled now, and not when first found, so the disable was ours.
    confirm: (item, now) => (now?.state === 'disabled' && item.state !== 'disabled' ? made(item) : undefined),
  });
  return {
    rotate: apiKeyRotation(client, accountId),
    async inventory(ctx) {
      const serviceIds = await createdBy(ctx);
      const keys = await keysOf(ctx, serviceIds);
      // Last use only for these keys, one single read each: IBM computes activity on request only.
      const found: Finding[] = [];
      for (const key of keys) {
        const state = await client.getApiKey(key.id);
        if (!state) continue;
        const detail = [`used ${state.useCount} times`, state.lastUsed && `last ${state.lastUsed}`, state.disabled && 'disabled'].filter(Boolean).join(', ');
        found.push({ ...key, detail, useCount: state.useCount, ...(state.lastUsed ? { lastUsed: state.lastUsed } : {}) });
      }
      const keyless = endsCreated(ctx) ? [] : keylessOf(serviceIds);
      for (const serviceId of keyless) {
        // Its sign-ins are those its keys made before they went, read the same way.
        const activity = await client.getServiceIdActivity(serviceId.id);
        if (!activity) continue;
        const used = `used ${activity.useCount} times${activity.lastUsed ? `, last ${activity.lastUsed}` : ''}`;
        found.push({
          ...serviceId,
          detail: `has no API key; ${used}`,
          useCount: activity.useCount,
          ...(activity.lastUsed ? { lastUsed: activity.lastUsed } : {}),
        });
      }
      // Named by kind only when a service ID with no key is among them: "1 API key, 1 service ID with no API key".
      if (found.some((f) => f.kind)) for (const f of found) f.kind ??= 'API key';
      return found.length || keys.length || keyless.length ? { found } : { found, note: 'no service ID created by them has an API key in this account' };
    },
    // Disable stops them at the disable phase; Delete leaves them working until the delete phase.
    disable: disabling(disablesCreated),
    // Stopped before their service IDs go (`serviceIdsStep`), and anything made on them since too.
    delete: disabling(endsCreated),
    restore: {
      act: (ctx, snapshots) =>
        changeEach(snapshots, async (key) =>
          (await client.enableApiKey(key.id, ctx.transactionId))
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
