import type { Finding, StepCapabilities } from '../connector.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { changeEach, personScopedStep, removeEach } from './person-scoped-step.js';

/**
 * The person's user API keys: a key carries its owner's access into every account they belong
 * to. Disabled first (reversible, the key keeps its id), deleted at the end of the grace period,
 * re-enabled on reinstatement. A key that was already disabled is left so.
 *
 * IAM's listing never says when a key was last used; a single read per key does, and IBM calls it
 * expensive. So a look that asks for last use (`ctx.lastUse`: the preview, the re-scans looking for
 * use after access was removed) reads each of the person's keys once; a phase's inventory and its
 * read-backs stay one shared listing.
 */
export function apiKeysStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  const step = personScopedStep(accountId, {
    list: async (identity, asker) =>
      (await client.listUserApiKeys(accountId, identity.id, asker)).map((k) => ({
        id: k.id,
        label: k.name,
        detail: [k.createdAt && `created ${k.createdAt}`, k.disabled && 'disabled'].filter(Boolean).join(', ') || undefined,
        ...(k.disabled ? { state: 'disabled' } : {}),
        ...(k.createdAt ? { createdAt: k.createdAt } : {}),
      })),
    disable: {
      act: (ctx, identity, found) =>
        changeEach(found, async (key) =>
          key.state !== 'disabled' && (await client.disableApiKey(key.id, ctx.transactionId, identity.id))
            ? { id: key.id, label: key.label, outcome: 'disabled', snapshot: { disabled: false } }
            : { id: key.id, label: key.label, outcome: 'already_absent', detail: key.state === 'disabled' ? 'already disabled' : 'gone' },
        ),
      leaves: (key) => key.state === 'disabled',
      made: (key) => ({ id: key.id, label: key.label, outcome: 'disabled', snapshot: { disabled: false } }),
    },
    delete: { act: (ctx, identity, found) => removeEach(found, (id) => client.deleteApiKey(id, ctx.transactionId, identity.id)) },
    restore: {
      act: (ctx, identity, snapshots) =>
        changeEach(snapshots, async (key) =>
          (await client.enableApiKey(key.id, ctx.transactionId, identity.id))
            ? { id: key.id, label: key.label, outcome: 'restored', detail: 're-enabled' }
            : { id: key.id, label: key.label, outcome: 'already_absent', detail: 'deleted since; cannot be re-enabled' },
        ),
      missing: async (identity, snapshots, asker) => {
        const keys = await client.listUserApiKeys(accountId, identity.id, asker);
        return snapshots.filter((s) => keys.find((k) => k.id === s.id)?.disabled !== false).map((s) => ({ id: s.id, label: `${s.label} (not enabled)` }));
      },
    },
  });
  return {
    ...step,
    async inventory(ctx) {
      const listed = await step.inventory(ctx);
      if (!ctx.lastUse) return listed;
      // One at a time: the account's rate budget is shared with every other step.
      const found: Finding[] = [];
      for (const key of listed.found) {
        const state = await client.getApiKey(key.id);
        // Deleted since it was listed: nothing of it is left to use.
        if (!state) continue;
        const used = `used ${state.useCount} times${state.lastUsed ? `, last ${state.lastUsed}` : ''}`;
        found.push({
          ...key,
          detail: [key.detail, used].filter(Boolean).join(', '),
          // No `useCount`: the preview's "most used" names what the person created, which others rely on.
          ...(state.lastUsed ? { lastUsed: state.lastUsed } : {}),
        });
      }
      return { ...listed, found };
    },
  };
}
