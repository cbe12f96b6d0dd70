import type { Phase } from '../audit/audit-event.js';
import type { Identity, Person } from './system.js';

/**
 * The contract every target system implements, one object per step.
 * Steps never retry or sleep on their own: errors are classified at the client edge
 * and BullMQ owns retries; verification polling lives in run-step.ts.
 */
export interface Finding {
  /** Stable id in the target system (a key's, a group's, a user's). */
  id: string;
  label: string;
  detail?: string;
  /** The identity holding it, where a person has several (its `Identity.id`). */
  owner?: string;
  /** Whatever a phase left it in, where the system still lists it (`disabled`). */
  state?: string;
  /** Everything needed to restore it if it is removed (a whole policy document). */
  document?: Record<string, unknown>;
  /** When it was last used to sign in (an API key), so a re-scan can tell use after revocation. */
  lastUsed?: string;
  /** How often it was used to sign in, where the system counts: the preview names the most used. */
  useCount?: number;
  /** When it was made, where the system says: a re-scan tells what was made after access was removed. */
  createdAt?: string;
  /** Who made it (an identity's id), where the system says: what the successor makes on a handed-over item is no re-scan finding. */
  createdBy?: string;
  /** What kind of thing it is, where one step finds several kinds (a service credential, an instance): the preview counts each. */
  kind?: string;
  /** What an approver should know before it is changed ("another team depends on it"), shown in the preview. */
  warning?: string;
  /** Where a person manages it in the system's own console: the successor's hand-over message links it. */
  link?: string;
  /** A credential whose secret the person made or has seen: handed over, it is a rotation task for the successor. */
  rotate?: boolean;
}

/**
 * `disabled` is reversible in place (an API key, a Slack account); `removed` is reversible from the
 * snapshot. `kept` is left as it is on purpose, by the request's choice (handed over to the
 * successor): settled, nothing to restore, and no re-scan finding. `still_present` and `outcome_unknown` are not changes: they account for an item a step
 * that failed for good set out to change and never saw changed, as the system showed it then or
 * because it could not be asked. A later round that settles the item replaces them.
 */
export type ChangeOutcome = 'removed' | 'disabled' | 'restored' | 'already_absent' | 'kept' | 'still_present' | 'outcome_unknown';

/** Outcomes that settle an item: a later execution never acts on it again. */
export const settles = (c: Pick<Change, 'outcome'>): boolean => c.outcome !== 'still_present' && c.outcome !== 'outcome_unknown';

export interface Change {
  id: string;
  label: string;
  outcome: ChangeOutcome;
  detail?: string;
  /** What it takes to restore the item (a group and member, a whole policy document), kept in the trail. */
  snapshot?: Record<string, unknown>;
  /** The identity it belonged to, where a person has several (its `Identity.id`). */
  owner?: string;
}

/** One item of one identity: two identities of a person can be in the same group or linked to the same profile. */
export const itemKey = (item: { id: string; owner?: string }): string => (item.owner ? `${item.id}/${item.owner}` : item.id);

export interface ReadBack {
  /** True when none of the revoked items is visible any more. */
  confirmed: boolean;
  /** Items the system still shows. */
  remaining: Finding[];
}

export interface StepContext {
  requestId: string;
  /** The scope this execution works in (a cloud account, a workspace). */
  scope: string;
  /** Sent to the target system with every mutating call, and kept as evidence. */
  transactionId: string;
  person: Person;
  /** Every identity of the person this system's identification found, in every scope. */
  identities: Identity[];
  /**
   * The same for every attempt of this step in this round: a listing that failed part-way is
   * taken up where it failed by the next attempt that names it. Absent: every listing is new.
   */
  asker?: string;
  /**
   * What the request decided for what the person created (service IDs and their keys): acted on
   * (`disable`, `delete`) or handed over to the successor and left working. Absent on requests
   * filed before it was asked, and on read-only looks: steps acting on what the person created
   * keep it then, since nobody chose to end it.
   */
  created?: CreatedChoice;
  /** The phase of the round this execution belongs to; absent on read-only looks (the preview, a re-scan). */
  phase?: Phase;
  /**
   * The look wants each item's last use even where the system gives it only item by item, a call
   * each (a person's own API keys): set by the preview and the re-scans, which tell use after
   * access was removed. Absent on a phase's inventory and read-backs, which stay one listing.
   */
  lastUse?: boolean;
}

/** What the request decided for what the person created, and who takes it over (their name, for the record). */
export interface CreatedChoice {
  choice: 'hand_over' | 'disable' | 'delete';
  successor?: string;
}

export interface Inventory {
  found: Finding[];
  /** Why nothing was found, when that needs saying (e.g. "not a member of this account"). */
  note?: string;
  /**
   * Why the step could not look in this scope at all (the system does not answer for it here): the
   * step then ends "not checked" with this reason, never verified, whatever `found` holds, and
   * nothing is acted on. Unlike `StepCapabilities.unavailable`, known only once the system is asked.
   */
  unchecked?: string;
}

/** Changing what the inventory found, and reading the system back until it shows the change. */
export interface StepAction {
  /** Yields each change as it is made, so a failure half-way loses none of them from the evidence. */
  act(ctx: StepContext, found: Finding[]): AsyncIterable<Change>;
  /** Confirmed when the system shows none of the person's items of this kind left to change. */
  readBack(ctx: StepContext, found: Finding[]): Promise<ReadBack>;
  /**
   * The change an earlier execution made to `item` (as first found) whose answer was lost, now that
   * the system shows it as `now` (undefined: no longer listed, or answered "not found"); undefined
   * when `now` is not what this action leaves. Absent: the action removes, so gone means removed.
   */
  confirm?(item: Finding, now: Finding | undefined): Change | undefined;
}

/**
 * What one step of a system can do; a step has only the capabilities its system allows, and the
 * run picks by phase. Read-only inventory is what the preview and the re-scans use.
 */
export interface StepCapabilities {
  /**
   * Why the step cannot work in this scope as the system is configured (VPC regions unset): it is
   * then never planned, so never green, and every round says under "Not covered" what was not checked.
   */
  unavailable?: string;
  inventory(ctx: StepContext): Promise<Inventory>;
  /** Reversible removal, recording a snapshot of each item so a reinstatement can restore it. */
  disable?: StepAction;
  /** Final removal; a step without one removes again what a disable would, so anything granted since goes too. */
  delete?: StepAction;
  restore?: RestoreAction;
  /** Rotating a credential this step hands over (`rotate` findings) for the successor: "Rotate for me". */
  rotate?: RotateAction;
  /**
   * Read-only, for the re-scans: the person's identities that the system's own record of sign-ins
   * (an activity report) shows signing in after `since` (an ISO time). It reads the record as the
   * system holds it now and never waits for one being made. Absent: the system keeps no such record.
   */
  signInsSince?(ctx: StepContext, since: string): Promise<SignIns>;
}

/** A credential the bot made to replace one: its id, name and time, never its secret; `link` where the successor collects it. */
export interface Replacement {
  id: string;
  name: string;
  createdAt: string;
  link?: string;
}

/** The credential being replaced, as a single read shows it now. */
export interface RotatedCredentialState {
  /** When it last signed in, where the system says. */
  lastUsed?: string;
  disabled: boolean;
}

/**
 * Rotating a handed-over credential: the bot makes a replacement whose secret the successor
 * collects in the system's console (it never passes through the bot's answer), then, once the
 * successor switched to it, disables the old one (reversibly), and deletes it at the delete phase.
 * Every method is safe to call again: `replace` finds the replacement `name` an earlier call made.
 */
export interface RotateAction {
  replace(itemId: string, name: string, transactionId: string): Promise<Replacement>;
  /** The old credential now; undefined once it no longer exists. */
  read(itemId: string): Promise<RotatedCredentialState | undefined>;
  /** False when it no longer exists. */
  disable(itemId: string, transactionId: string): Promise<boolean>;
  /** False when it was already gone. */
  remove(itemId: string, transactionId: string): Promise<boolean>;
}

/** What a system's record of sign-ins tells a re-scan. */
export interface SignIns {
  /** Each identity of the person seen signing in after the time asked about, `lastUsed` its sign-in. */
  found: Finding[];
  /** Why the record could not tell (none made yet, one still generating): the re-scan lists it as not checked. */
  unchecked?: string;
}

/** Restoring what a disable removed, from the snapshots it recorded. */
export interface RestoreAction {
  /** Yields each restored item as the system confirms it: outcome `restored`, with its new id where it has one. */
  act(ctx: StepContext, snapshots: Change[]): AsyncIterable<Change>;
  /** Confirmed when the system shows every restored item back. */
  readBack(ctx: StepContext, restored: Change[]): Promise<ReadBack>;
}
