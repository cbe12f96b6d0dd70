import type { Finding, StepCapabilities } from '../connector.js';
import type { IbmCloudClient, IbmPolicyDocument } from './ibm-cloud-client.js';
import { changeEach, personScopedStep, removeEach } from './person-scoped-step.js';

const snapshot = (p: Finding) => ({ document: p.document ?? {} });

/**
 * Deletes access policies assigned to the person directly (access through groups goes with the
 * groups), keeping each policy document whole so a reinstatement can re-create it (under a new
 * id, which the evidence maps to the old one).
 */
export function policiesStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return personScopedStep(accountId, {
    list: async (identity) =>
      (await client.listDirectPolicies(accountId, identity.id)).map((p) => ({
        id: p.id,
        label: `${p.roles.join(', ') || 'policy'} on ${p.resource}`,
        document: { ...p.document },
      })),
    disable: {
      act: (ctx, identity, found) => removeEach(found, (id) => client.deletePolicy(id, ctx.transactionId, identity.id), snapshot),
      made: (p) => ({ id: p.id, label: p.label, outcome: 'removed', snapshot: snapshot(p) }),
    },
    restore: {
      act: (ctx, identity, snapshots) =>
        changeEach(snapshots, async (p) => {
          const { id: newId, created } = await client.createPolicy(p.snapshot!.document as IbmPolicyDocument, ctx.transactionId, identity.id);
          const how = created ? `re-created as ${newId}` : `already granted again, as ${newId}`;
          return { id: p.id, label: p.label, outcome: 'restored', detail: how, snapshot: { newId } };
        }),
      missing: async (identity, snapshots) => {
        const now = (await client.listDirectPolicies(accountId, identity.id)).map((p) => `${p.roles.join(', ') || 'policy'} on ${p.resource}`);
        return snapshots.filter((s) => !now.includes(s.label)).map((s) => ({ id: s.id, label: `${s.label} (not re-created)` }));
      },
    },
  });
}
