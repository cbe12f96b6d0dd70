import type { Change, Finding, StepCapabilities, StepContext } from '../connector.js';
import { PermanentError } from '../step-errors.js';
import type { Identity } from '../system.js';

export interface PersonScopedSpec {
  /** Everything of this kind the identity holds in the account. */
  list(identity: Identity): Promise<Finding[]>;
  remove(ctx: StepContext, identity: Identity, found: Finding[]): AsyncIterable<Change>;
}

/**
 * A step over what the person holds in one account, through the identity that IBM Cloud's
 * identification found for them there (by email, or by the IAM id a previous round found once
 * they were no longer a member). The read-back lists again and is confirmed only when nothing of
 * this kind is left.
 */
export function personScopedStep(accountId: string, spec: PersonScopedSpec): StepCapabilities {
  const identityHere = (ctx: StepContext) => ctx.identities.find((i) => i.scope === accountId);
  return {
    async inventory(ctx) {
      const identity = identityHere(ctx);
      if (!identity) return { found: [], note: `${ctx.person.email} is not a member of account ${accountId}` };
      const found = await spec.list(identity);
      return { found, note: identity.detail?.startsWith('no longer') ? `no longer a member of account ${accountId}; searched by IAM id ${identity.id}` : undefined };
    },
    delete: {
      async *act(ctx, found) {
        const identity = identityHere(ctx);
        if (identity && found.length > 0) yield* spec.remove(ctx, identity, found);
      },
      async readBack(ctx) {
        const identity = identityHere(ctx);
        const remaining = identity ? await spec.list(identity) : [];
        return { confirmed: remaining.length === 0, remaining };
      },
    },
  };
}

/**
 * Removes items one by one; an item already gone is recorded as such. One refused item does not
 * stop the others: every item is tried, then the first permanent failure (else the first
 * failure) is thrown, naming how many items it affected.
 */
export async function* removeEach(found: Finding[], remove: (id: string) => Promise<boolean>): AsyncIterable<Change> {
  const failures: Error[] = [];
  for (const item of found) {
    let removed: boolean;
    try {
      removed = await remove(item.id);
    } catch (err) {
      failures.push(err as Error);
      continue;
    }
    yield { id: item.id, label: item.label, outcome: removed ? 'removed' : 'already_absent' };
  }
  const first = failures.find((f) => f instanceof PermanentError) ?? failures[0];
  if (!first) return;
  if (failures.length > 1) first.message += ` (${failures.length} of ${found.length} items failed)`;
  throw first;
}
