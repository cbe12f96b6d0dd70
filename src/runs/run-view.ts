import type { ChainEntry } from '../audit/audit-chain.js';
import type { AttestationOutcome, Attesters, AuditRecord, Phase } from '../audit/audit-event.js';
import { itemKey, settles, type Change, type Finding } from '../connectors/connector.js';
import { stepId, type StepRef } from '../connectors/step-ref.js';
import type { Identity } from '../connectors/system.js';
import type { OffboardRequest, RequestStatus } from '../requests/request.js';

/**
 * The read model of a request: what its audit trail says its rounds, steps, identities and outcome
 * are, folded in one pass. Everything that asks "where is this run" reads this view, and this is the
 * one module that tells trail records apart by event type (test/architecture.test.ts), beside the
 * evidence timeline and the pack's exceptions, which print events one by one.
 */

/** A trail record of one type. */
export type TrailRecord<T extends AuditRecord['type']> = Extract<AuditRecord, { type: T }>;

/**
 * `open`: a manual task waiting for its attestation; `attested`: a person said it was done (or did
 * not apply), never read back by the bot.
 * `residual`: access the bot found but cannot remove (amber): never verified, never retried.
 * `unchecked`: the step could not look in its scope (the system does not answer for it there):
 * nothing read, nothing confirmed, never verified, and never retried (the cause is configuration).
 * `paused`: told to wait before its next call (a request budget, a hold the system put on the
 * account) while it looked or acted; the same attempt goes on, no retry spent. */
export type StepState = 'waiting' | 'running' | 'paused' | 'retrying' | 'open' | 'verified' | 'attested' | 'failed' | 'residual' | 'unchecked';

export interface StepProgress {
  ref: StepRef;
  id: string;
  /** The phase this entry tracks: one step has one entry per phase it ran in. */
  phase: Phase;
  state: StepState;
  attempts: number;
  /** Everything any attempt found, first sighting kept. */
  found?: Finding[];
  inventoryNote?: string;
  /**
   * Every change any attempt made; "removed" wins over a later "already absent", and anything
   * later wins over "still present" or "outcome unknown" (a retry round settled the item).
   */
  changes?: (Change & { transactionId?: string })[];
  /** Every transaction id an attempt acted under, in order. */
  transactionIds: string[];
  /** What each attempt set out to change, so a change whose answer was lost can be attributed. */
  intents: { transactionId: string; itemIds: string[] }[];
  startedAt?: string;
  actedAt?: string;
  /** `by: 'listing'`: the step changed nothing and its inventory's listing, read at `firstConfirmedAt`, was its read-back. */
  verification?: { checks: number; firstConfirmedAt: string; elapsedMs: number; by?: 'listing' };
  /** A manual task: what to do and who may attest it, as it was opened. */
  task?: { instructions: string; attesters: Attesters; openedAt: string };
  /**
   * A step whose found items are each a task (SystemStep.attestItems): the items its phase's latest
   * opening named, each with its attestation once a person made one (in any round: first one stands).
   */
  items?: ItemTask[];
  /** Who attested a manual task, when, and how. */
  attestation?: { by: string; at: string; outcome: AttestationOutcome; note?: string; carriedFrom?: number };
  /** What a residual step found and cannot remove. */
  residual?: Finding[];
  /** Why an unchecked step could not look in its scope. */
  unchecked?: string;
  /** Last error seen, for a failed or retrying step (for a residual one, what to do about it). */
  error?: string;
  retryInMs?: number;
  /** Why a paused step waits, and for about how long from when it was told (the latest pause). */
  pause?: { reason: string; resumeInMs: number };
}

/** One item of a step whose items are tasks, and who attested it, when and how, once someone did. */
export type ItemTask = Finding & { attestation?: { by: string; at: string; outcome: AttestationOutcome; note?: string } };

/**
 * What started a round: the approval (`first`), the end of the grace period (`scheduled`, or
 * `grace_ended` early by an approver), an approver's Reinstate (`reinstatement`) or Retry (`retry`).
 */
export type RoundKind = 'first' | 'scheduled' | 'grace_ended' | 'reinstatement' | 'retry';

export type RoundOutcome = TrailRecord<'run.finished'>['outcome'];

export interface Round {
  round: number;
  phase: Phase;
  kind: RoundKind;
  /** The person who started it (the approver of the first round); absent when the schedule did. */
  by?: string;
  /** When it was planned, and the trail entry that planned it. */
  at: string;
  seq: string;
  /** When its steps start (later than `at` for a scheduled offboarding). */
  startsAt: string;
  /** Its steps, as planned. */
  steps: StepRef[];
  /** What its systems said, when it was planned, that offboarding them does not reach. */
  notCovered: string[];
  /** The round's outcome, once it has finished. */
  outcome?: RoundOutcome;
  /** Steps that said how they ended (verified, failed, residual, unchecked or attested) since the round was planned. */
  ended: Set<string>;
  /** How many executions of each step the round has started. */
  executions: Map<string, number>;
  /** What its steps confirmed restored. */
  restored: Change[];
  /** Who the person is in each system for this round, as its identification recorded it. */
  identities: Map<string, Identity[]>;
  /** Systems where the person could not be looked up for this round, and why. */
  lookupFailures: Map<string, string>;
}

/**
 * Where the request stands by its trail: not decided, rejected, a round running, or its latest round
 * finished (a decision or a round planned after it counts as running again).
 */
export type TrailOutcome =
  | { kind: 'pending' }
  | { kind: 'rejected' }
  | { kind: 'running'; round: number }
  | { kind: 'finished'; round: number; phase: Phase; outcome: RoundOutcome };

export type Decision = (TrailRecord<'request.approved'> & { decision: 'approved' }) | (TrailRecord<'request.rejected'> & { decision: 'rejected' });

export type EvidenceHandOver = (TrailRecord<'evidence.downloaded'> & { outcome: 'given' }) | (TrailRecord<'evidence.refused'> & { outcome: 'refused' });

export interface RunView {
  rounds: Round[];
  /** The round the trail is in: how many have been planned (0: none yet), its phase, and whether it has finished. */
  current: { round: number; phase: Phase; finished: boolean };
  /** Every planned step, one entry per step and phase, in plan order. */
  steps: StepProgress[];
  outcome: TrailOutcome;
  submitted?: OffboardRequest;
  /** The latest read-only look before the decision. */
  preview?: TrailRecord<'request.previewed'>;
  /** Approvals counted towards a decision that needs more than one, each with the digest of the terms it approved. */
  approvals: TrailRecord<'approval.recorded'>[];
  /** Rejections counted towards a rule that takes more than one to end the request. */
  rejections: TrailRecord<'rejection.recorded'>[];
  refusals: TrailRecord<'approval.refused'>[];
  /** Approvals and rejections, in order. */
  decisions: Decision[];
  approved?: TrailRecord<'request.approved'>;
  /** Approved requests rescheduled before their run started, each voiding the approval and its planned run (see OffboardRequest.reasked). */
  reasks: TrailRecord<'request.rescheduled'>[];
  rejected?: TrailRecord<'request.rejected'>;
  deletions: TrailRecord<'deletion.scheduled'>[];
  /** Reviews people made for steps that wait for one, in order. */
  reviews: TrailRecord<'review.recorded'>[];
  rescans: TrailRecord<'rescan.done'>[];
  /** Every round's outcome as stated, in order. */
  finishes: TrailRecord<'run.finished'>[];
  reports: TrailRecord<'report.published'>[];
  /** Evidence given and refused, in order. */
  evidence: EvidenceHandOver[];
  /** Identification records of every round, in order. */
  identified: TrailRecord<'identities.found'>[];
  actions: TrailRecord<'step.acted'>[];
  retries: TrailRecord<'step.retrying'>[];
  readBacks: TrailRecord<'step.verified'>[];
  failures: TrailRecord<'step.failed'>[];
  /** Every attestation of a manual task, with the round it ended the task in. */
  attestations: (TrailRecord<'step.attested'> & { round: number })[];
  /** Every reminder of an open task, with its round. */
  reminders: (TrailRecord<'task.reminded'> & { round: number })[];
  /** How each closed rotation task was closed, by `<step id>/<item id>`: the first closing stands. */
  rotations: Map<string, TrailRecord<'rotation.closed'>>;
  /** Each task the bot was asked to rotate (Rotate for me), by `<step id>/<item id>`. */
  botRotations: Map<string, BotRotation>;
  repairs: TrailRecord<'run.reconciled'>[];
  named: TrailRecord<'people.named'>[];
  /** How many changes (announced or confirmed) each step has made over every round: names a listing's asker. */
  changeCount: Map<string, number>;
}

/**
 * Where the bot's rotation of one credential stands: asked, the replacement made, each Switched and
 * each hold (the old one still used), the old one disabled (read back), then deleted (read back).
 */
export interface BotRotation {
  requested: TrailRecord<'rotation.requested'>;
  replaced?: TrailRecord<'rotation.replaced'>;
  switches: TrailRecord<'rotation.switched'>[];
  holds: TrailRecord<'rotation.held'>[];
  retired?: TrailRecord<'rotation.retired'>;
  deleted?: TrailRecord<'rotation.deleted'>;
  /** Why the bot last stopped, until a later step of the rotation succeeded. */
  failed?: TrailRecord<'rotation.failed'>;
}

function foldBotRotation(
  r: BotRotation | undefined,
  e: TrailRecord<'rotation.replaced' | 'rotation.switched' | 'rotation.held' | 'rotation.retired' | 'rotation.deleted' | 'rotation.failed'>,
): void {
  if (!r) return;
  if (e.type === 'rotation.failed') {
    r.failed = e;
    return;
  }
  delete r.failed;
  if (e.type === 'rotation.replaced') r.replaced ??= e;
  else if (e.type === 'rotation.switched') r.switches.push(e);
  else if (e.type === 'rotation.held') r.holds.push(e);
  else if (e.type === 'rotation.retired') r.retired ??= e;
  else r.deleted ??= e;
}

/** A rotation task's name: the step that kept the credential, and the credential. */
export const rotationKey = (stepId: string, itemId: string) => `${stepId}/${itemId}`;

/** The phase of a planned round; trails written before phases existed only deleted. */
export const phaseOf = (e: { phase?: Phase }): Phase => e.phase ?? 'delete';

/** The records of a chain as stored (the stream id and time win over event fields). */
export function recordsOf(entries: readonly ChainEntry[]): AuditRecord[] {
  return entries.map((e) => ({ ...(e.event as unknown as AuditRecord), seq: e.seq, at: e.at }));
}

/** Folds a request's audit trail, in order, into its view. */
export function runView(trail: readonly AuditRecord[]): RunView {
  const view: RunView = {
    rounds: [],
    current: { round: 0, phase: 'delete', finished: false },
    steps: [],
    outcome: { kind: 'pending' },
    approvals: [],
    rejections: [],
    refusals: [],
    decisions: [],
    reasks: [],
    deletions: [],
    reviews: [],
    rescans: [],
    rotations: new Map(),
    botRotations: new Map(),
    finishes: [],
    reports: [],
    evidence: [],
    identified: [],
    actions: [],
    retries: [],
    readBacks: [],
    failures: [],
    attestations: [],
    reminders: [],
    repairs: [],
    named: [],
    changeCount: new Map(),
  };
  let steps = new StepFold();
  const byNumber = new Map<number, Round>();
  let graceEnded: TrailRecord<'grace.ended'> | undefined;
  const lookupFailures: TrailRecord<'identities.failed'>[] = [];
  let last: 'pending' | 'rejected' | 'running' | 'finished' = 'pending';
  for (const e of trail) {
    const round = view.rounds.at(-1);
    steps.add(e);
    switch (e.type) {
      case 'request.submitted':
        view.submitted ??= e.request;
        break;
      case 'request.previewed':
        view.preview = e;
        break;
      case 'approval.recorded':
        view.approvals.push(e);
        break;
      case 'approval.refused':
        view.refusals.push(e);
        break;
      case 'rejection.recorded':
        view.rejections.push(e);
        break;
      case 'request.approved':
        view.approved ??= e;
        view.decisions.push({ ...e, decision: 'approved' });
        last = 'running';
        break;
      case 'request.rejected':
        view.rejected ??= e;
        view.decisions.push({ ...e, decision: 'rejected' });
        last = 'rejected';
        break;
      case 'grace.ended':
        graceEnded = e;
        break;
      case 'request.rescheduled':
        // An approved request rescheduled before its run started: the approval and the run planned
        // for it no longer stand (nothing of that run happened); the next approval plans it anew.
        if (e.state === 'scheduled') {
          view.reasks.push(e);
          view.rounds = [];
          byNumber.clear();
          steps = new StepFold();
          view.approved = undefined;
          last = 'pending';
        }
        break;
      case 'run.planned': {
        const planned = plannedRound(e, round, graceEnded);
        view.rounds.push(planned);
        if (!byNumber.has(e.round)) byNumber.set(e.round, planned);
        graceEnded = undefined;
        last = 'running';
        break;
      }
      case 'identities.found':
        view.identified.push(e);
        break;
      case 'identities.failed':
        lookupFailures.push(e);
        break;
      case 'step.started':
        round?.executions.set(e.stepId, (round.executions.get(e.stepId) ?? 0) + 1);
        break;
      case 'step.acting':
        view.changeCount.set(e.stepId, (view.changeCount.get(e.stepId) ?? 0) + 1);
        break;
      case 'step.acted':
        view.actions.push(e);
        view.changeCount.set(e.stepId, (view.changeCount.get(e.stepId) ?? 0) + 1);
        round?.restored.push(...e.changes.filter((c) => c.outcome === 'restored'));
        break;
      case 'step.retrying':
        view.retries.push(e);
        break;
      case 'step.verified':
        view.readBacks.push(e);
        round?.ended.add(e.stepId);
        break;
      case 'step.failed':
        view.failures.push(e);
        round?.ended.add(e.stepId);
        break;
      case 'step.residual':
      case 'step.unchecked':
        round?.ended.add(e.stepId);
        break;
      case 'step.attested':
        // Once a round, however many clicks raced to it (the trail states it first-writer-wins).
        if (!round?.ended.has(e.stepId)) view.attestations.push({ ...e, round: round?.round ?? 0 });
        round?.ended.add(e.stepId);
        break;
      case 'task.reminded':
        view.reminders.push({ ...e, round: round?.round ?? 0 });
        break;
      case 'rotation.closed':
        if (!view.rotations.has(rotationKey(e.stepId, e.itemId))) view.rotations.set(rotationKey(e.stepId, e.itemId), e);
        break;
      case 'rotation.requested':
        if (!view.botRotations.has(rotationKey(e.stepId, e.itemId)))
          view.botRotations.set(rotationKey(e.stepId, e.itemId), { requested: e, switches: [], holds: [] });
        break;
      case 'rotation.replaced':
      case 'rotation.switched':
      case 'rotation.held':
      case 'rotation.retired':
      case 'rotation.deleted':
      case 'rotation.failed':
        foldBotRotation(view.botRotations.get(rotationKey(e.stepId, e.itemId)), e);
        break;
      case 'run.finished':
        view.finishes.push(e);
        last = 'finished';
        break;
      case 'deletion.scheduled':
        view.deletions.push(e);
        break;
      case 'review.recorded':
        view.reviews.push(e);
        break;
      case 'rescan.done':
        view.rescans.push(e);
        break;
      case 'report.published':
        view.reports.push(e);
        break;
      case 'evidence.downloaded':
        view.evidence.push({ ...e, outcome: 'given' });
        break;
      case 'evidence.refused':
        view.evidence.push({ ...e, outcome: 'refused' });
        break;
      case 'people.named':
        view.named.push(e);
        break;
      case 'run.reconciled':
        view.repairs.push(e);
        break;
    }
  }
  view.steps = steps.result();
  // Facts stated about a round by its number (its identities, its outcome) belong to it wherever they stand in the trail; the first one counts.
  for (const e of view.identified) {
    const r = byNumber.get(e.round);
    if (r && !r.identities.has(e.system)) r.identities.set(e.system, e.identities);
  }
  for (const e of lookupFailures) {
    const r = byNumber.get(e.round);
    if (r && !r.lookupFailures.has(e.system)) r.lookupFailures.set(e.system, e.error);
  }
  for (const e of view.finishes) {
    const r = byNumber.get(e.round);
    if (r && !r.outcome) r.outcome = e.outcome;
  }
  // The first round is the approver's, whenever the approval was recorded.
  const first = view.rounds[0];
  if (first && view.approved) first.by = view.approved.actor;
  const latest = view.rounds.at(-1);
  view.current = {
    round: view.rounds.length,
    phase: latest?.phase ?? 'delete',
    finished: view.finishes.some((f) => f.round === view.rounds.length),
  };
  const finish = view.finishes.at(-1);
  view.outcome =
    last === 'pending' || last === 'rejected'
      ? { kind: last }
      : last === 'finished' && finish
        ? { kind: 'finished', round: finish.round, phase: latest?.phase ?? 'delete', outcome: finish.outcome }
        : { kind: 'running', round: view.rounds.length };
  return view;
}

/**
 * A planned round, named for what it is: a round of the phase the previous round had is a retry; a
 * delete phase after the disable phase ran when the grace period ended, early if an approver ended
 * it in between.
 */
function plannedRound(e: TrailRecord<'run.planned'>, previous: Round | undefined, graceEnded: TrailRecord<'grace.ended'> | undefined): Round {
  const phase = phaseOf(e);
  const kind: RoundKind = !previous
    ? 'first'
    : previous.phase === phase
      ? 'retry'
      : phase === 'reinstate'
        ? 'reinstatement'
        : graceEnded
          ? 'grace_ended'
          : 'scheduled';
  // The deletion the grace period's end starts runs on the schedule's behalf, even when ended early.
  let by = e.by === 'schedule' ? undefined : e.by;
  if (kind === 'grace_ended' && graceEnded) by = graceEnded.actor;
  return {
    round: e.round,
    phase,
    kind,
    ...(by ? { by } : {}),
    at: e.at,
    seq: e.seq,
    startsAt: e.startsAt,
    steps: e.steps,
    notCovered: e.notCovered ?? [],
    ended: new Set(),
    executions: new Map(),
    restored: [],
    identities: new Map(),
    lookupFailures: new Map(),
  };
}

/** Folds step events into the state of every planned step: one entry per step and phase. Events of a step belong to the phase of the latest round that planned it. */
class StepFold {
  private readonly steps = new Map<string, StepProgress>();
  private readonly current = new Map<string, string>();
  // A step ends once per round: a job that ran again after it ended (a stall, a lost answer from Redis) changes nothing of how.
  private readonly ended = new Set<string>();
  // Items attested one by one, by `<step id>/<item id>`: the first attestation stands, whatever round it came in.
  private readonly itemAttestations = new Map<string, TrailRecord<'item.attested'>>();

  add(e: AuditRecord): void {
    if (e.type === 'item.attested') {
      const key = rotationKey(e.stepId, e.itemId);
      if (!this.itemAttestations.has(key)) this.itemAttestations.set(key, e);
      return;
    }
    if (e.type === 'run.planned') {
      // A retry round sets its steps waiting again; what earlier rounds of the phase found and changed stays.
      for (const ref of e.steps) {
        const key = `${phaseOf(e)}:${stepId(ref)}`;
        this.current.set(stepId(ref), key);
        this.ended.delete(key);
        const earlier = this.steps.get(key);
        this.steps.set(key, {
          ...earlier,
          ref,
          id: stepId(ref),
          phase: phaseOf(e),
          state: 'waiting',
          attempts: 0,
          transactionIds: earlier?.transactionIds ?? [],
          intents: earlier?.intents ?? [],
          error: undefined,
          unchecked: undefined,
        });
      }
      return;
    }
    if (!('stepId' in e)) return;
    const key = this.current.get(e.stepId) ?? '';
    const s = this.steps.get(key);
    if (!s) return;
    if (this.ended.has(key) && IGNORED_ONCE_ENDED.has(e.type)) return;
    if (CLOSING.has(e.type)) this.ended.add(key);
    switch (e.type) {
      case 'step.started':
        s.state = 'running';
        s.attempts = Math.max(s.attempts, e.attempt);
        s.startedAt ??= e.at;
        break;
      case 'step.relooking':
        s.state = 'running';
        break;
      case 'step.deferred':
        s.state = 'paused';
        s.pause = { reason: e.reason, resumeInMs: e.resumeInMs };
        break;
      case 'step.inventoried':
        resumed(s);
        s.found = mergeById(s.found ?? [], e.found, () => false);
        if (s.found.length === 0) s.inventoryNote = e.note;
        break;
      case 'step.acting':
        resumed(s);
        s.intents.push({ transactionId: e.transactionId, itemIds: e.itemIds });
        break;
      case 'step.acted':
        s.changes = mergeById(
          s.changes ?? [],
          e.changes.map((c) => ({ ...c, transactionId: e.transactionId })),
          supersedes,
        );
        if (!s.transactionIds.includes(e.transactionId)) s.transactionIds.push(e.transactionId);
        s.actedAt ??= e.at;
        break;
      case 'step.verified':
        s.state = 'verified';
        s.error = undefined;
        s.verification = { checks: e.checks, firstConfirmedAt: e.firstConfirmedAt, elapsedMs: e.elapsedMs, ...(e.by ? { by: e.by } : {}) };
        break;
      case 'step.retrying':
        s.state = 'retrying';
        s.error = e.error;
        s.retryInMs = e.retryInMs;
        break;
      case 'step.failed':
        s.state = 'failed';
        s.error = e.error;
        break;
      case 'step.residual':
        s.state = 'residual';
        s.residual = e.items;
        s.error = e.note;
        break;
      case 'step.unchecked':
        s.state = 'unchecked';
        s.unchecked = e.reason;
        break;
      case 'task.opened':
        s.state = 'open';
        s.task = { instructions: e.instructions, attesters: e.attesters, openedAt: e.at };
        if (e.items) s.items = e.items.map((f) => ({ ...f }));
        break;
      case 'step.attested':
        s.state = 'attested';
        s.error = undefined;
        s.attestation = {
          by: e.actor,
          at: e.attestedAt ?? e.at,
          outcome: e.outcome,
          ...(e.note ? { note: e.note } : {}),
          ...(e.carriedFrom ? { carriedFrom: e.carriedFrom } : {}),
        };
        break;
    }
  }

  result(): StepProgress[] {
    const steps = [...this.steps.values()];
    for (const s of steps) {
      s.items = s.items?.map(({ attestation: _earlier, ...item }) => {
        const a = this.itemAttestations.get(rotationKey(s.id, item.id));
        return a ? { ...item, attestation: { by: a.actor, at: a.at, outcome: a.outcome, ...(a.note ? { note: a.note } : {}) } } : item;
      });
      if (!s.items) delete s.items;
    }
    return steps;
  }
}

/** What ends a step for its round, and what says how far a step that has not ended is. */
const CLOSING = new Set(['step.verified', 'step.failed', 'step.residual', 'step.unchecked', 'step.attested']);
const IGNORED_ONCE_ENDED = new Set([...CLOSING, 'step.started', 'step.retrying', 'step.deferred', 'task.opened']);

/** A paused step that records what it does goes on as the same attempt (no `step.started` of its own). */
function resumed(s: StepProgress): void {
  if (s.state === 'paused') s.state = 'running';
}

const supersedes = (old: Change, now: Change): boolean => !settles(old) || (old.outcome === 'already_absent' && now.outcome === 'removed');

function mergeById<T extends { id: string; owner?: string }>(into: T[], add: T[], replace: (old: T, now: T) => boolean): T[] {
  const merged = [...into];
  for (const item of add) {
    const at = merged.findIndex((x) => itemKey(x) === itemKey(item));
    if (at < 0) merged.push(item);
    else if (replace(merged[at]!, item)) merged[at] = item;
  }
  return merged;
}

/** The round numbered `round`, if it was planned. */
export const roundOf = (view: RunView, round: number): Round | undefined => view.rounds.find((r) => r.round === round);

/** The entries of the current round's phase: what a retry re-runs and what the round's outcome is about. */
export const currentPhaseSteps = (view: RunView): StepProgress[] => view.steps.filter((s) => s.phase === view.current.phase);

/**
 * Green: a step verified by read-back or attested by a named person. Residual access reported
 * (amber) and a step that could not look (not checked) are neither green nor failed: never retried,
 * since retrying changes neither. Anything else failed the round.
 */
export const isFailed = (s: StepProgress): boolean => s.state !== 'verified' && s.state !== 'attested' && s.state !== 'residual' && s.state !== 'unchecked';

/** Steps of the current round's phase that could not look in their scope: the round vouches for nothing there. */
export const uncheckedSteps = (view: RunView): StepProgress[] => currentPhaseSteps(view).filter((s) => s.state === 'unchecked');

/** "<step> in <scope>: <reason>" for every step of every round that could not look, each once: what a finished round does not cover. */
export function uncheckedOf(view: RunView): string[] {
  return [
    ...new Set(
      view.steps
        .filter((s) => s.state === 'unchecked')
        .map((s) => `${s.ref.title} in ${s.ref.scopeNoun ?? 'scope'} ${s.ref.scope}: not checked (${s.unchecked})`),
    ),
  ];
}

/** Manual tasks of the current round still waiting for their attestation: the run shows as waiting, not finished. */
export const openTasks = (view: RunView): StepProgress[] => currentPhaseSteps(view).filter((s) => s.state === 'open');

/**
 * True when every step ran and found nothing at all: most often the email on the Slack profile
 * is not the one the person uses in the target systems, and "verified" would be false comfort.
 */
export function foundNothingAnywhere(all: StepProgress[]): boolean {
  // A manual task lists nothing by nature, and a step that could not look found nothing by not looking: neither says whether the email matched.
  const steps = all.filter((s) => !s.task && s.state !== 'attested' && s.state !== 'unchecked');
  return steps.length > 0 && steps.every((s) => s.found !== undefined && s.found.length === 0 && !s.changes?.length);
}

/** What the systems of every round said, when it was planned, that offboarding them does not reach: each statement once. */
export const notCoveredOf = (view: RunView): string[] => [...new Set(view.rounds.flatMap((r) => r.notCovered))];

/** The systems a round's planned steps belong to. */
export const systemsOf = (steps: readonly StepRef[]): string[] => [...new Set(steps.map((s) => s.system))];

/** Systems whose identification has ended for `round`, found or failed. */
export function identifiedSystems(view: RunView, round: number): Set<string> {
  const r = roundOf(view, round);
  return new Set([...(r?.identities.keys() ?? []), ...(r?.lookupFailures.keys() ?? [])]);
}

/** Identities found in any round before `round`: the ones a person removed since can no longer be found by email. */
export function earlierIdentities(view: RunView, system: string, round: number): Identity[] {
  const seen = new Map<string, Identity>();
  for (const e of view.identified) {
    if (e.system !== system || e.round >= round) continue;
    for (const i of e.identities) seen.set(`${i.scope}\u0000${i.id}`, i);
  }
  return [...seen.values()];
}

/** True once every system of the round has been identified (or could not be). */
export function identificationDone(view: RunView, round: number): boolean {
  const r = roundOf(view, round);
  if (!r) return false;
  const done = identifiedSystems(view, round);
  return systemsOf(r.steps).every((s) => done.has(s));
}

/** Where a round of `phase` leaves the request. */
export function statusAfter(phase: Phase, request: Pick<OffboardRequest, 'reason' | 'disposition'>): RequestStatus {
  if (phase === 'reinstate') return 'reinstated';
  if (phase === 'disable' && request.reason !== 'role_change' && request.disposition.kind === 'disable_then_delete') return 'disabled';
  return 'completed';
}

/** The steps a reinstatement restores: those whose disable phase removed or disabled something. */
export function restorableSteps(view: RunView): string[] {
  return view.steps
    .filter((s) => s.phase === 'disable' && s.changes?.some((c) => c.snapshot && (c.outcome === 'removed' || c.outcome === 'disabled')))
    .map((s) => s.id);
}

/** "disable phase", "delete phase (grace ended by Riley (U…))", "reinstatement by …", "retry by …". */
export function roundName(r: { phase: string; kind: RoundKind; by?: string | null }, person: (id: string) => string): string {
  const who = r.by ? person(r.by) : 'an approver';
  switch (r.kind) {
    case 'first':
      return `${r.phase} phase`;
    case 'scheduled':
      return `${r.phase} phase (by schedule)`;
    case 'grace_ended':
      return `${r.phase} phase (grace ended by ${who})`;
    case 'reinstatement':
      return `reinstatement by ${who}`;
    case 'retry':
      return `retry by ${who} of the ${r.phase} phase's failed steps`;
  }
}

/** A review the scheduled deletion waits for (see `deletion.scheduled`), with its last one made, if any. */
export interface AwaitedReview {
  ref: StepRef;
  stepId: string;
  last?: TrailRecord<'review.recorded'>;
}

/** The reviews the scheduled deletion's steps wait for, each with the last one made. */
export function awaitedReviews(view: RunView): AwaitedReview[] {
  const deletion = view.deletions.at(-1);
  return (deletion?.reviews ?? []).map((ref) => {
    const id = stepId(ref);
    const last = view.reviews.filter((r) => r.stepId === id).at(-1);
    return { ref, stepId: id, ...(last ? { last } : {}) };
  });
}
