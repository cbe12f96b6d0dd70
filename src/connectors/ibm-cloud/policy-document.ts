import type { IbmPolicyDocument } from './ibm-cloud-types.js';

/**
 * Only the fields a policy's author writes, so a listed policy can be created again: IAM assigns
 * the id, href, state and created/modified stamps itself.
 */
export function policyDocument(p: IbmPolicyDocument): IbmPolicyDocument {
  return structuredClone({
    type: p.type,
    subject: p.subject,
    control: { grant: { roles: p.control.grant.roles.map((r) => ({ role_id: r.role_id })) } },
    resource: p.resource,
    ...(p.description !== undefined ? { description: p.description } : {}),
    ...(p.pattern !== undefined ? { pattern: p.pattern } : {}),
    ...(p.rule !== undefined ? { rule: p.rule } : {}),
  });
}

/** IAM's 409 names the policy that already grants the same: `errors[].details.conflicts_with.policy.id`. */
export function conflictingPolicyId(err: unknown): string | undefined {
  const errors = (err as { result?: { errors?: { code?: string; details?: { conflicts_with?: { policy?: { id?: string } } } }[] } }).result?.errors;
  return errors?.find((e) => e.code === 'policy_conflict_error')?.details?.conflicts_with?.policy?.id;
}
