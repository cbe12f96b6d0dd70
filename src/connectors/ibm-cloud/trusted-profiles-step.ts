import type { Finding, StepCapabilities } from '../connector.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';
import { changeEach, personScopedStep, removeEach } from './person-scoped-step.js';

const snapshot = (l: Finding) => ({ profileId: l.id, link: l.document ?? {} });

/** Unlinks the person from every trusted profile they may assume (a way in that outlives their own access), and links them again on reinstatement. */
export function trustedProfilesStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return personScopedStep(accountId, {
    list: async (identity, asker) =>
      (await client.listProfileLinks(accountId, identity.id, asker)).map((l) => ({
        id: l.profileId,
        label: `may assume ${l.profileName}`,
        // The link as it was: from which accounts it may be used, and its description.
        document: { ...(l.accounts ? { accounts: l.accounts } : {}), ...(l.description ? { description: l.description } : {}) },
      })),
    disable: {
      act: (ctx, identity, found) => removeEach(found, (profileId) => client.unlinkProfile(profileId, identity.id, ctx.transactionId), snapshot),
      made: (l) => ({ id: l.id, label: l.label, outcome: 'removed', snapshot: snapshot(l) }),
    },
    restore: {
      act: (ctx, identity, snapshots) =>
        changeEach(snapshots, async (l) => {
          const linked = await client.linkProfile(
            l.id,
            identity.id,
            ctx.transactionId,
            (l.snapshot?.link ?? {}) as { accounts?: string[]; description?: string },
          );
          return linked
            ? { id: l.id, label: l.label, outcome: 'restored', detail: 'linked again' }
            : { id: l.id, label: l.label, outcome: 'already_absent', detail: 'the profile is gone; cannot link again' };
        }),
      missing: async (identity, snapshots, asker) => {
        const linked = new Set((await client.listProfileLinks(accountId, identity.id, asker)).map((l) => l.profileId));
        return snapshots.filter((s) => !linked.has(s.id)).map((s) => ({ id: s.id, label: `${s.label} (not linked again)` }));
      },
    },
  });
}
