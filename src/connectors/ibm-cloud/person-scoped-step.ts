import type { Change, Finding, RevocationStep, StepContext } from '../connector.js';
import type { IbmCloudClient, IbmUser } from './ibm-cloud-client.js';

export interface PersonScopedSpec {
  /** Everything of this kind the person holds in the account. */
  list(user: IbmUser): Promise<Finding[]>;
  revoke(ctx: StepContext, user: IbmUser, found: Finding[]): Promise<Change[]>;
}

/**
 * A step over things the person holds in one account. The person is looked up by email once
 * and remembered, so the read-back still knows them after they have been removed; the
 * read-back lists again and is confirmed only when nothing of this kind is left.
 */
export function personScopedStep(client: IbmCloudClient, accountId: string, spec: PersonScopedSpec): RevocationStep {
  let lookup: Promise<IbmUser | undefined> | undefined;
  const person = (email: string) => (lookup ??= client.findUserByEmail(accountId, email));
  return {
    async inventory(ctx) {
      const user = await person(ctx.email);
      if (!user) return { found: [], note: `${ctx.email} is not a member of account ${accountId}` };
      return { found: await spec.list(user) };
    },
    async revoke(ctx, found) {
      const user = await person(ctx.email);
      return user && found.length > 0 ? spec.revoke(ctx, user, found) : [];
    },
    async readBack(ctx) {
      const user = await person(ctx.email);
      const remaining = user ? await spec.list(user) : [];
      return { confirmed: remaining.length === 0, remaining };
    },
  };
}

/** Removes items one by one; an item already gone is recorded as such. */
export async function removeEach(found: Finding[], remove: (id: string) => Promise<boolean>): Promise<Change[]> {
  const changes: Change[] = [];
  for (const item of found) {
    const removed = await remove(item.id);
    changes.push({ id: item.id, label: item.label, outcome: removed ? 'removed' : 'already_absent' });
  }
  return changes;
}
