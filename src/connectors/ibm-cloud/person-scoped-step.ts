import type { Change, Finding, RevocationStep, StepContext } from '../connector.js';
import { PermanentError } from '../step-errors.js';
import type { IbmCloudClient, IbmUser } from './ibm-cloud-client.js';

export interface PersonScopedSpec {
  /** Everything of this kind the person holds in the account. */
  list(user: IbmUser): Promise<Finding[]>;
  revoke(ctx: StepContext, user: IbmUser, found: Finding[]): AsyncIterable<Change>;
}

/**
 * A step over things the person holds in one account. The person is looked up by email once per
 * run; once removed from the account they can no longer be found that way, so the IAM id an
 * earlier step recorded stands in (their API keys outlive their membership). The read-back
 * lists again and is confirmed only when nothing of this kind is left.
 */
export function personScopedStep(client: IbmCloudClient, accountId: string, spec: PersonScopedSpec): RevocationStep {
  let lookup: Promise<IbmUser | undefined> | undefined;
  const person = (ctx: StepContext) =>
    (lookup ??= client.findUserByEmail(accountId, ctx.email).then((user) =>
      user ?? (ctx.knownIdentity ? { iamId: ctx.knownIdentity, email: ctx.email, name: '', state: 'NOT_A_MEMBER' } : undefined),
    ));
  return {
    async inventory(ctx) {
      const user = await person(ctx);
      if (!user) return { found: [], note: `${ctx.email} is not a member of account ${accountId}` };
      const found = await spec.list(user);
      const note = user.state === 'NOT_A_MEMBER' ? `no longer a member of account ${accountId}; searched by IAM id ${user.iamId} recorded earlier` : undefined;
      return { found, note, identity: user.iamId };
    },
    async *revoke(ctx, found) {
      const user = await person(ctx);
      if (user && found.length > 0) yield* spec.revoke(ctx, user, found);
    },
    async readBack(ctx) {
      const user = await person(ctx);
      const remaining = user ? await spec.list(user) : [];
      return { confirmed: remaining.length === 0, remaining };
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
