/**
 * The contract every target system implements, one object per step.
 * Steps never retry or sleep on their own: errors are classified at the client edge
 * and BullMQ owns retries; verification polling lives in run-step.ts.
 */
export interface Finding {
  /** Stable id in the target system (API key id, access group id, policy id, IAM id). */
  id: string;
  label: string;
  detail?: string;
}

export type ChangeOutcome = 'removed' | 'already_absent';

export interface Change {
  id: string;
  label: string;
  outcome: ChangeOutcome;
  detail?: string;
}

export interface ReadBack {
  /** True when none of the revoked items is visible any more. */
  confirmed: boolean;
  /** Items the system still shows. */
  remaining: Finding[];
}

export interface StepContext {
  requestId: string;
  /** Sent to the target system with every mutating call, and kept as evidence. */
  transactionId: string;
  email: string;
  /** The person's id in this scope as an earlier step recorded it, if any. */
  knownIdentity?: string;
}

export interface Inventory {
  found: Finding[];
  /** Why nothing was found, when that needs saying (e.g. "not a member of this account"). */
  note?: string;
  /** The person's id in this scope, remembered so later runs still know them once removed. */
  identity?: string;
}

export interface RevocationStep {
  inventory(ctx: StepContext): Promise<Inventory>;
  /** Yields each change as it is made, so a failure half-way loses none of them from the evidence. */
  revoke(ctx: StepContext, found: Finding[]): AsyncIterable<Change>;
  readBack(ctx: StepContext, found: Finding[]): Promise<ReadBack>;
}
