import type { StepCapabilities } from '../connector.js';
import type { IbmCloudClient } from './ibm-cloud-client.js';

/**
 * Rule-based (dynamic) access-group memberships: granted at sign-in by a rule on the identity
 * provider's claims, so IAM offers no way to remove the person from them. They are reported as
 * residual access, with the group and its rules, for someone to change the rule or the claims.
 */
export function dynamicGroupsStep(client: IbmCloudClient, accountId: string): StepCapabilities {
  return {
    async inventory(ctx) {
      const identities = [...new Map(ctx.identities.map((i) => [i.id, i])).values()];
      const found = (
        await Promise.all(
          identities.map(async (identity) =>
            (
              await client.listDynamicMemberships(accountId, identity.id)
            ).map((m) => ({
              id: m.groupId,
              label: m.groupName,
              owner: identity.id,
              detail: m.rules
                .map(
                  (r) =>
                    `rule "${r.name}": ${r.conditions.map((c) => `${c.claim} ${c.operator} ${c.value}`).join(' and ')}${r.expirationHours ? ` (${r.expirationHours} h after sign-in)` : ''}`,
                )
                .join('; '),
            })),
          ),
        )
      ).flat();
      return { found };
    },
  };
}
