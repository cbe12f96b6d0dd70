import { z } from 'zod';

/**
 * One SCIM vendor's quirks, as data: what its DELETE means, whether `active` comes back, the PATCH
 * dialect it understands, how it pages, whether it has Groups and how it says "slow down". One JSON
 * file per vendor under `profiles/`, each naming the public document it follows; the client and the
 * steps read nothing else about the vendor.
 */
const header = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/, 'a header name')
  .transform((h) => h.toLowerCase());

export const scimProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes'),
    name: z.string().min(1),
    /** The public documents this profile follows: at least one, so every quirk can be checked. */
    documents: z.array(z.object({ title: z.string().min(1), url: z.url({ protocol: /^https$/ }) })).min(1),
    /** What the documents say that explains a choice below. */
    notes: z.array(z.string()).default([]),
    /**
     * What `DELETE /Users/{id}` does. `deactivate`: the account stays, inactive (a disable).
     * `unlink`: the SCIM record is gone and cannot come back through SCIM (final). `delete`: the
     * account is gone (final). `unsupported`: the vendor has no DELETE.
     */
    delete: z.enum(['deactivate', 'unlink', 'delete', 'unsupported']),
    /** Whether `PATCH active=false` deactivates the account. */
    patchActive: z.boolean(),
    /** Whether `PATCH active=true` brings a deactivated account back (a reinstatement). */
    reactivate: z.boolean(),
    patch: z.object({
      /** `lower`: RFC 7644's "replace"; `capitalised`: "Replace", as some servers built for Entra ID want. */
      opCase: z.enum(['lower', 'capitalised']),
      /** `path`: `{op, path: "active", value: false}`; `value-object`: `{op, value: {active: false}}` with no path (Okta's form). */
      form: z.enum(['path', 'value-object']),
    }),
    paging: z.object({
      /** `index`: startIndex/count/totalResults (RFC 7644 §3.4.2.4); `cursor`: count and `cursor`/`nextCursor`. */
      style: z.enum(['index', 'cursor']),
      pageSize: z.number().int().positive().max(1000),
    }),
    filter: z.object({
      /** How the work email can be filtered on: `typed` is `emails[type eq "work"].value eq`, `plain` is `emails.value eq`, `none` not at all. */
      emails: z.enum(['typed', 'plain', 'none']),
      /**
       * The server's `eq` compares case-exactly (RFC 7643 makes userName and emails case-insensitive):
       * every user is listed, every page, and compared here instead.
       */
      caseExact: z.boolean(),
    }),
    /**
     * Whether the vendor has Groups the bot can take the person out of, and how. `find`: how the
     * person's groups are found (`members-filter`: `filter=members.value eq "id"`; `list-all`: every
     * group, every page, members compared here). `remove`: `path-filter` is
     * `{op: remove, path: 'members[value eq "id"]'}`, `value-list` is `{op: remove, path: members, value: [{value: id}]}`.
     */
    groups: z.union([z.literal(false), z.object({ find: z.enum(['members-filter', 'list-all']), remove: z.enum(['path-filter', 'value-list']) })]),
    rateLimit: z.object({
      /** Statuses that mean "too many requests" (GitHub also answers 403 once its budget is spent). */
      statuses: z.array(z.number().int().min(400).max(599)).min(1),
      /** Seconds or an HTTP date, to wait before asking again. */
      retryAfter: header.default('retry-after'),
      /** A count of requests left: a limited status only counts as a rate limit when this says 0 (if given). */
      remaining: header.optional(),
      /** When the budget comes back, in epoch seconds. */
      reset: header.optional(),
    }),
    /** What offboarding in this vendor does not reach, as clauses the checklist lists and the evidence prints. */
    notCovered: z.array(z.string()).default([]),
  })
  .refine((p) => p.patchActive || p.delete !== 'unsupported', {
    message: 'a profile must be able to end access: patchActive, or a DELETE',
  })
  .refine((p) => !p.reactivate || p.patchActive || p.delete === 'deactivate', {
    message: 'reactivate needs an account that is deactivated, not gone: patchActive or a DELETE that deactivates',
  });

export type ScimProfile = z.output<typeof scimProfileSchema>;

/** A profile read from its file, or every problem with it, each naming the field. */
export function parseScimProfile(source: string, data: unknown): ScimProfile {
  const parsed = scimProfileSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(profile)'}: ${i.message}`);
  throw new Error(`SCIM profile ${source} is not valid: ${problems.join('; ')}`);
}

/** How the profile spells a PATCH operation. */
export function patchOp(profile: ScimProfile, op: 'add' | 'remove' | 'replace'): string {
  return profile.patch.opCase === 'capitalised' ? `${op[0]!.toUpperCase()}${op.slice(1)}` : op;
}

/** How an account is disabled: by PATCH, or by a DELETE that only deactivates. */
export function disablesBy(profile: ScimProfile): 'patch' | 'delete' {
  return profile.patchActive ? 'patch' : 'delete';
}

/** Whether DELETE ends the account for good, so the delete phase has its own action. */
export const deletesForGood = (profile: ScimProfile): boolean => profile.delete === 'delete' || profile.delete === 'unlink';
