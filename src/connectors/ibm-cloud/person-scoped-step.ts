import type { Change, Finding, ReadBack, StepAction, StepCapabilities, StepContext } from '../connector.js';
import { PermanentError, RateLimitedError } from '../step-errors.js';
import type { Identity } from '../system.js';

/** What a phase does to the items of one identity, and which of them it leaves listed (a disabled key is still listed). */
export interface ItemAction {
  act(ctx: StepContext, identity: Identity, found: Finding[]): AsyncIterable<Change>;
  leaves?(item: Finding): boolean;
  /** The change as `act` records it when made, with its snapshot; absent: removed, with no snapshot. */
  made?(item: Finding): Change;
}

export interface PersonScopedSpec {
  /** Everything of this kind the identity holds in the account (`asker`: see StepContext). */
  list(identity: Identity, asker?: string): Promise<Finding[]>;
  disable?: ItemAction;
  delete?: ItemAction;
  restore?: {
    act(ctx: StepContext, identity: Identity, snapshots: Change[]): AsyncIterable<Change>;
    /** The snapshots not (yet) seen back in the account. */
    missing(identity: Identity, snapshots: Change[], asker?: string): Promise<Finding[]>;
  };
}

/**
 * A step over what the person holds in one account, through every IAM id IBM Cloud's
 * identification found for them in any account: an API key or a profile link can sit in an
 * account the person is not a member of, and a removed member is no longer found by email. Each
 * item is tagged with the IAM id holding it; a read-back lists again.
 */
export function personScopedStep(accountId: string, spec: PersonScopedSpec): StepCapabilities {
  const identities = (ctx: StepContext) => [...new Map(ctx.identities.map((i) => [i.id, i])).values()];
  // One asker per identity: the identities of one step each wait on the account's listing.
  const askerFor = (ctx: StepContext, identity: Identity) => (ctx.asker === undefined ? undefined : `${ctx.asker}:${identity.id}`);
  const listAll = async (ctx: StepContext) =>
    (await Promise.all(identities(ctx).map(async (i) => (await spec.list(i, askerFor(ctx, i))).map((f) => ({ ...f, owner: i.id }))))).flat();
  const owned = (ctx: StepContext, items: Finding[]) =>
    identities(ctx)
      .map((identity) => ({ identity, items: items.filter((f) => (f.owner ?? identity.id) === identity.id) }))
      .filter((g) => g.items.length > 0);
  const phase = (action: ItemAction): StepAction => ({
    async *act(ctx, found) {
      for (const { identity, items } of owned(ctx, found)) {
        // The snapshot names the identity it belongs to: a reinstatement restores each to its owner.
        for await (const change of action.act(ctx, identity, items)) {
          yield { ...change, owner: identity.id, ...(change.snapshot ? { snapshot: { ...change.snapshot, iamId: identity.id } } : {}) };
        }
      }
    },
    async readBack(ctx): Promise<ReadBack> {
      const remaining = (await listAll(ctx)).filter((f) => !action.leaves?.(f));
      return { confirmed: remaining.length === 0, remaining };
    },
    // Made by us only if it was not already as the action leaves it when first found (a key the person had disabled stays theirs).
    confirm(item, now) {
      const left = action.leaves ? now !== undefined && action.leaves(now) && !action.leaves(item) : now === undefined;
      if (!left) return undefined;
      const change = action.made?.(item) ?? { id: item.id, label: item.label, outcome: 'removed' };
      return {
        ...change,
        ...(item.owner ? { owner: item.owner } : {}),
        ...(change.snapshot && item.owner ? { snapshot: { ...change.snapshot, iamId: item.owner } } : {}),
      };
    },
  });
  const { restore } = spec;
  return {
    async inventory(ctx) {
      const found = await listAll(ctx);
      const member = ctx.identities.some((i) => i.scope === accountId);
      if (found.length === 0 && !member) return { found, note: `${ctx.person.email} is not a member of account ${accountId}` };
      return { found };
    },
    ...(spec.disable ? { disable: phase(spec.disable) } : {}),
    ...(spec.delete ? { delete: phase(spec.delete) } : {}),
    ...(restore
      ? {
          restore: {
            async *act(ctx, snapshots) {
              for (const identity of identities(ctx)) {
                const mine = snapshots.filter((s) => s.snapshot?.iamId === identity.id);
                if (!mine.length) continue;
                for await (const change of restore.act(ctx, identity, mine)) yield { ...change, owner: identity.id };
              }
            },
            async readBack(ctx, snapshots) {
              const remaining = (
                await Promise.all(
                  identities(ctx).map((i) =>
                    restore.missing(
                      i,
                      snapshots.filter((s) => s.snapshot?.iamId === i.id),
                      askerFor(ctx, i),
                    ),
                  ),
                )
              ).flat();
              return { confirmed: remaining.length === 0, remaining };
            },
          },
        }
      : {}),
  };
}

/**
 * Changes items one by one; an item already gone is recorded as such. One refused item does not
 * stop the others: every item is tried, then the first permanent failure (else the first
 * failure) is thrown, naming how many items it affected. A wait asked for stops at once: the step
 * goes on with the rest after it, or, when an item failed before, reports that failure.
 */
export async function* changeEach<T extends Pick<Finding, 'id' | 'label'>>(found: T[], change: (item: T) => Promise<Change>): AsyncIterable<Change> {
  const failures: Error[] = [];
  for (const item of found) {
    try {
      yield await change(item);
    } catch (err) {
      // Told to wait (a request budget, a hold on the account): every item after would be told the
      // same. With nothing failed before, the step waits; else the failure is what it reports.
      if (err instanceof RateLimitedError) {
        if (failures.length === 0) throw err;
        break;
      }
      failures.push(err as Error);
    }
  }
  const first = failures.find((f) => f instanceof PermanentError) ?? failures[0];
  if (!first) return;
  if (failures.length > 1) first.message += ` (${failures.length} of ${found.length} items failed)`;
  throw first;
}

/** Removes items one by one with `remove` (false: already gone), keeping `snapshot` of each. */
export function removeEach(found: Finding[], remove: (id: string) => Promise<boolean>, snapshot?: (item: Finding) => Record<string, unknown>) {
  return changeEach(found, async (item) =>
    (await remove(item.id))
      ? { id: item.id, label: item.label, outcome: 'removed', ...(snapshot ? { snapshot: snapshot(item) } : {}) }
      : { id: item.id, label: item.label, outcome: 'already_absent' },
  );
}
