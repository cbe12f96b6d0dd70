import { CHAIN_VERSION, genesisHash, type ChainEntry } from '../audit/audit-chain.js';
import { verifyChain, type ChainVerdict } from '../audit/verify-chain.js';
import { stepId } from '../connectors/step-ref.js';
import { isOpenTask, rotationTasks, type RotationTask } from '../runs/handed-over.js';
import { describeCreated, describeDisposition, REASONS, type OffboardRequest } from '../requests/request.js';
import {
  notCoveredOf,
  recordsOf,
  uncheckedOf,
  runView,
  statusAfter,
  type Round,
  type RoundKind,
  type RunView,
  type StepProgress,
  type TrailRecord,
} from '../runs/run-view.js';
import { assuranceOf, type Assurance, verifiedHow } from './assurance.js';
import { exceptionsOf, type PackException } from './pack-exceptions.js';
import { packPeople } from './pack-people.js';
import type { Generator } from './generator-info.js';

/** Bumped on any change of meaning; additions that old readers can ignore keep the major number. */
export const SCHEMA_VERSION = '1.7';

/**
 * Versions whose packs the current builder still gives byte for byte from the same trail, but for
 * the version it states: 1.4 only added what a trail written before it cannot hold (steps not checked, items attested one by one),
 * 1.5 the bot's rotations, present only when there are any, 1.6 every rotation task with where it
 * stands (and the open ones said in the outcome): a pack stating 1.5 or before is rebuilt without them;
 * 1.7 states a round that left residual access, and a reinstatement that was not verified, as what
 * they are, where 1.6 and before said "0 step(s) failed".
 */
export const REBUILDS_AS: readonly string[] = ['1.3', '1.4', '1.5', '1.6', SCHEMA_VERSION];

/** The versions before every rotation task was listed (1.6). */
const BEFORE_ROTATION_TASKS = new Set(['1.0', '1.1', '1.2', '1.3', '1.4', '1.5']);
/** The versions whose outcome said "0 step(s) failed" of a round with residual access or an unverified reinstatement (1.7). */
const BEFORE_EVERY_END_STATED = new Set([...BEFORE_ROTATION_TASKS, '1.6']);

export interface PackInput {
  requestId: string;
  round: number;
  /** The whole trail, with its links, as read from Redis or from an exported pack. */
  entries: ChainEntry[];
  generator: Generator;
  /** The version to state (one of REBUILDS_AS): a verifier rebuilding an exported pack gives its own; default SCHEMA_VERSION. */
  schemaVersion?: string;
  /**
   * What the bot found when it checked the trail in Redis (its links and its recorded head) just
   * before rendering; absent, the entries given are checked on their own.
   */
  checked?: ChainCheck;
}

/** The chain as checked before the pack was rendered: a broken one is said on the cover. */
export interface ChainCheck {
  intact: boolean;
  /** How it broke, and at which entry; null when intact. */
  detail: string | null;
}

/** Everything an auditor needs, derived from the trail alone (see evidence-pack.schema.json). */
export interface EvidencePack {
  schema_version: string;
  kind: 'offboarding-evidence-pack';
  request_id: string;
  round: number;
  /** When the last entry the pack covers was recorded: the same trail always gives the same pack. */
  generated_at: string;
  generator: Generator;
  request: PackRequest | null;
  outcome: PackOutcome;
  approvals: PackApproval[];
  /** Every round so far, named for what started it (since 1.1). */
  rounds: PackRound[];
  refused_attempts: { at: string; actor: string; action: string; reason: string; repeats: number }[];
  identities: { system: string; round: number; scope: string; id: string; label: string; detail: string | null }[];
  steps: PackStep[];
  actions: { step_id: string; transaction_id: string; at: string; changes: PackChange[] }[];
  read_backs: { step_id: string; at: string; checks: number; first_confirmed_at: string; elapsed_ms: number }[];
  exceptions: PackException[];
  /**
   * Events of the lifecycle beyond revocation, kept whole: residual access, attestations (of manual
   * tasks, and the closing of rotation tasks), re-scans,
   * reinstatements (each reinstatement round's `run.planned`, since 1.1).
   */
  residual_access: LifecycleEvent[];
  attestations: LifecycleEvent[];
  /**
   * The bot's rotations of handed-over credentials (Rotate for me), kept whole: who asked, the
   * replacement made (its id, never its secret), each Switched, a hold (the old one still used), the
   * old one disabled and deleted, each confirmed by read-back (since 1.5; absent when the bot rotated nothing).
   */
  rotations?: LifecycleEvent[];
  /**
   * Every rotation task of a handed-over credential, open ones included, with where it stands
   * (since 1.6; absent when there are none).
   */
  rotation_tasks?: PackRotationTask[];
  /**
   * The deletion at the end of the grace period (since 1.7; null when none was scheduled): when it is
   * due, when it was scheduled, and the round that ran it or the reinstatement that cancelled it.
   */
  deletion?: PackDeletion | null;
  rescans: LifecycleEvent[];
  reinstatements: LifecycleEvent[];
  downloads: { at: string; actor: string; via: string; outcome: 'given' | 'refused'; reason: string | null }[];
  /** Slack user id → name, as the trail records them (pack-people.ts): covered by the chain. */
  people: Record<string, string>;
  /** What the systems of every round said they do not reach, as each round was planned (since 1.2), and each step that could not look, with why (since 1.4). */
  not_covered: string[];
  chain: { version: string; genesis: string; head: string; length: number; entries: ChainEntry[]; checked: ChainCheck };
}

export interface PackRequest {
  id: string;
  /** slack_user_id null: no Slack account (the subject), or a system that asked (the requester, an HR system). */
  subject: { slack_user_id: string | null; name: string; email: string };
  requester: { slack_user_id: string | null; name: string };
  reason: string;
  reason_label: string;
  effective_at: string | null;
  disposition: { kind: string; grace_days: number | null; label: string };
  successor_slack_user_id: string | null;
  /**
   * What the request decided for what the person created (since 1.3; absent on requests filed
   * before it was asked): `hand_over` to the successor (`successor_name`), `disable` or `delete`.
   */
  created_items?: { choice: string; label: string; successor_name: string | null };
  ticket: string;
  notes: string;
  submitted_at: string;
  /** As the trail shows it: the record in Redis is not part of the evidence. */
  status: string;
}

export interface PackDeletion {
  due_at: string;
  scheduled_at: string;
  /** The round that ran it (at the end of the grace period, or when an approver ended it early), if one has. */
  ran_in_round: number | null;
  /** The reinstatement round that cancelled it, if one did. */
  cancelled_by_round: number | null;
}

export interface PackOutcome {
  /**
   * `reinstated`: the last round restored what the disable phase removed, verified by read-back.
   * `unchecked` (since 1.4): nothing failed, but at least one step could not look in its scope.
   * `residual` (since 1.7): nothing failed, but at least one step reported access it cannot remove.
   */
  result: 'verified' | 'attested' | 'failures' | 'running' | 'rejected' | 'pending' | 'reinstated' | 'unchecked' | 'residual';
  text: string;
  /** When the last step of the first round confirmed by read-back or was attested by a person, if every one did. */
  access_ended_at: string | null;
  /** Access ended minus the effective time (the approval when none was set). */
  delay_from_effective_ms: number | null;
}

export interface PackApproval {
  decision: 'approved' | 'rejected';
  by: string;
  at: string;
  reason: string | null;
  /** Who could approve at that moment; null in trails recorded before it was kept. */
  approvers_at_click: string[] | null;
  /** Every distinct approver whose approval counted, when the person was privileged and two were needed; null when one decided. */
  approved_by?: string[] | null;
  /** The approval rule that applied; null in trails written before rules existed. */
  rule?: string | null;
  /**
   * Each approval that counted, with the SHA-256 of the terms it approved (person, reason, timing,
   * disposition, successor, preview); null in trails written before approvals were bound.
   */
  each_approval?: { by: string; at: string; digest: string }[] | null;
  separation_of_duties: { approver_is_requester: boolean; approver_is_subject: boolean; statement: string };
}

export interface PackRound {
  round: number;
  phase: string;
  kind: RoundKind;
  /** The Slack id of who started it (the approver, for the first round); null when the schedule did. */
  by: string | null;
  planned_at: string;
  steps: string[];
  outcome: string | null;
  /** What a reinstatement round brought back, as the systems confirmed it; empty for other rounds. */
  restored: PackChange[];
}

export interface PackChange {
  id: string;
  label: string;
  outcome: string;
  detail: string | null;
  /** In a step's changes: the transaction id the change was recorded under (the one that made it). */
  transaction_id?: string | null;
}

export interface PackStep {
  id: string;
  system: string;
  system_title: string;
  scope: string;
  scope_noun: string;
  step: string;
  title: string;
  phase: string;
  state: string;
  assurance: Assurance;
  attempts: number;
  found: { id: string; label: string; detail: string | null; warning?: string }[] | null;
  inventory_note: string | null;
  changes: PackChange[];
  transaction_ids: string[];
  started_at: string | null;
  acted_at: string | null;
  verification: { checks: number; first_confirmed_at: string; elapsed_ms: number } | null;
  retries: { attempt: number; at: string; error: string; retry_in_ms: number }[];
  error: string | null;
  /** Why the step could not look in its scope (since 1.4): only on a step whose state is `unchecked`. */
  unchecked?: string;
  /** A manual task's attestation (since 1.3); absent or null for a step the bot read back. */
  attestation?: PackAttestation | null;
  /**
   * A step whose found items are each a task a person attests (since 1.4): every item, with its
   * attestation (null while open); absent for any other step.
   */
  item_tasks?: PackItemTask[];
}

/** One item's task: what and where it is, and who attested it, when and how (never "verified"). */
export interface PackItemTask {
  id: string;
  label: string;
  detail: string | null;
  link: string | null;
  attestation: { by: string; at: string; outcome: 'done' | 'not_applicable'; note: string | null } | null;
}

/**
 * One rotation task: `open`, closed by a person (`rotated_myself`, `not_needed`: attested by them,
 * at that time), or `rotated_by_bot` (Rotate for me: the old one disabled, confirmed by read-back).
 */
export interface PackRotationTask {
  step_id: string;
  id: string;
  label: string;
  where: string;
  state: 'open' | 'rotated_myself' | 'not_needed' | 'rotated_by_bot';
  /** Who closed it (for the bot: who asked it to rotate); null while open. */
  closed_by: string | null;
  closed_at: string | null;
  assurance: 'attested' | 'read_back' | null;
  note: string | null;
  /** The bot's replacement, when one was made (its id, never its secret). */
  replacement_id: string | null;
}

/** "Attested by <person> at <time>", with the note: never "verified". */
export interface PackAttestation {
  by: string;
  at: string;
  outcome: 'done' | 'not_applicable';
  note: string | null;
  carried_from_round: number | null;
}

export interface LifecycleEvent {
  seq: string;
  at: string;
  type: string;
  event: Record<string, unknown>;
}

const LIFECYCLE: Record<'residual_access' | 'attestations' | 'rescans' | 'reinstatements', RegExp> = {
  residual_access: /residual/,
  attestations: /attest/,
  rescans: /rescan|re-scan/,
  reinstatements: /reinstat/,
};

export function buildEvidencePack(input: PackInput): EvidencePack {
  const { entries } = input;
  const trail = recordsOf(entries);
  const view = runView(trail);
  const submitted = view.submitted;
  const { steps } = view;
  const attested = new Set(trail.filter((e) => LIFECYCLE.attestations.test(e.type) && 'stepId' in e).map((e) => String((e as { stepId: unknown }).stepId)));
  const lifecycle = (pattern: RegExp): LifecycleEvent[] =>
    entries.filter((e) => pattern.test(String(e.event.type))).map((e) => ({ seq: e.seq, at: e.at, type: String(e.event.type), event: e.event }));
  const request = submitted ? packRequest(submitted, view) : null;
  const rotations = lifecycle(/^rotation\.(requested|replaced|switched|held|retired|deleted|failed)$/);
  const reinstating = new Set(view.rounds.filter((r) => r.phase === 'reinstate').map((r) => r.seq));
  const version = input.schemaVersion ?? SCHEMA_VERSION;
  const tasks = BEFORE_ROTATION_TASKS.has(version) ? [] : rotationTasks(view);
  return {
    schema_version: version,
    kind: 'offboarding-evidence-pack',
    request_id: input.requestId,
    round: input.round,
    generated_at: entries.at(-1)?.at ?? '',
    generator: input.generator,
    request,
    outcome: withOpenTasks(outcomeOf(view, submitted, !BEFORE_EVERY_END_STATED.has(version)), tasks),
    approvals: approvalsOf(view, submitted),
    rounds: view.rounds.map(packRound),
    refused_attempts: view.refusals.map((e) => ({ at: e.at, actor: e.actor, action: e.action, reason: e.reason, repeats: e.repeats ?? 1 })),
    identities: view.identified.flatMap((e) =>
      e.identities.map((i) => ({ system: e.system, round: e.round, scope: i.scope, id: i.id, label: i.label, detail: i.detail ?? null })),
    ),
    // A step whose items are attested one by one is attested once it ends, not while one is still open.
    steps: steps.map((s) => packStep(s, view, attested.has(s.id) && s.state !== 'open')),
    actions: view.actions.map((e) => ({ step_id: e.stepId, transaction_id: e.transactionId, at: e.at, changes: e.changes.map(packChange) })),
    read_backs: view.readBacks.map((e) => ({
      step_id: e.stepId,
      at: e.at,
      checks: e.checks,
      first_confirmed_at: e.firstConfirmedAt,
      elapsed_ms: e.elapsedMs,
    })),
    exceptions: exceptionsOf(trail, steps),
    residual_access: lifecycle(LIFECYCLE.residual_access),
    // A rotation task's closing is a person's attestation too, of an item kept working, not of a step.
    attestations: lifecycle(/attest|^rotation\.closed$/),
    ...(rotations.length ? { rotations } : {}),
    ...(tasks.length ? { rotation_tasks: tasks.map(packRotationTask) } : {}),
    ...(BEFORE_EVERY_END_STATED.has(version) ? {} : { deletion: deletionOf(view) }),
    rescans: lifecycle(LIFECYCLE.rescans),
    reinstatements: entries
      .filter((e) => LIFECYCLE.reinstatements.test(String(e.event.type)) || reinstating.has(e.seq))
      .map((e) => ({ seq: e.seq, at: e.at, type: String(e.event.type), event: e.event })),
    downloads: view.evidence.map((e) => ({ at: e.at, actor: e.actor, via: e.via, outcome: e.outcome, reason: e.outcome === 'refused' ? e.reason : null })),
    people: packPeople(entries),
    not_covered: [...notCoveredOf(view), ...uncheckedOf(view)],
    chain: {
      version: CHAIN_VERSION,
      genesis: genesisHash(input.requestId),
      head: entries.at(-1)?.hash ?? genesisHash(input.requestId),
      length: entries.length,
      entries: [...entries],
      checked: input.checked ?? chainCheck(verifyChain(input.requestId, entries)),
    },
  };
}

/** A verdict as the pack states it. */
export function chainCheck(verdict: ChainVerdict): ChainCheck {
  return verdict.intact
    ? { intact: true, detail: null }
    : { intact: false, detail: `${verdict.kind} at entry ${verdict.index + 1} (${verdict.seq}): ${verdict.detail}` };
}

function packRequest(r: OffboardRequest, view: RunView): PackRequest {
  return {
    id: r.id,
    subject: { slack_user_id: r.subject.slackUserId, name: r.subject.name, email: r.subject.email },
    requester: { slack_user_id: r.requester.slackUserId, name: r.requester.name },
    reason: r.reason,
    reason_label: REASONS[r.reason] ?? r.reason,
    effective_at: r.effectiveAt,
    disposition: {
      kind: r.disposition.kind,
      grace_days: r.disposition.kind === 'disable_then_delete' ? r.disposition.graceDays : null,
      label: describeDisposition(r.disposition),
    },
    successor_slack_user_id: r.successorSlackUserId,
    ...(r.createdItems
      ? { created_items: { choice: r.createdItems, label: describeCreated(r.createdItems, r.disposition), successor_name: r.successorName ?? null } }
      : {}),
    ticket: r.ticket,
    notes: r.notes,
    submitted_at: r.createdAt,
    status: statusFromTrail(view, r),
  };
}

/**
 * The status the trail proves. The pack is stored before the request moves on, so a finished round
 * reads as what it leads to: a disable with a grace period waits for deletion, a reinstatement ends reinstated.
 */
function statusFromTrail(view: RunView, request: OffboardRequest): string {
  const { outcome } = view;
  if (outcome.kind === 'running') return 'approved';
  if (outcome.kind !== 'finished') return outcome.kind;
  return statusAfter(outcome.phase, request);
}

function outcomeOf(view: RunView, request: OffboardRequest | undefined, everyEnd: boolean): PackOutcome {
  const { steps } = view;
  const { finished } = view.current;
  const last = view.finishes.at(-1);
  const { approved } = view;
  const firstRound = new Set(view.rounds[0]?.steps.map(stepId) ?? []);
  const first = steps.filter((s) => firstRound.has(s.id) && s.phase !== 'reinstate');
  // Ended once every step confirmed by read-back, or was attested by a person (a badge disabled by hand).
  const endedAt = (s: StepProgress) => s.verification?.firstConfirmedAt ?? s.attestation?.at;
  const ended =
    first.length && first.every(endedAt)
      ? first
          .map((s) => endedAt(s)!)
          .sort()
          .at(-1)!
      : null;
  const effective = request?.effectiveAt ?? approved?.at ?? null;
  const delay = ended && effective ? Math.max(0, Date.parse(ended) - Date.parse(effective)) : null;
  const base = { access_ended_at: ended, delay_from_effective_ms: delay };
  if (view.rejected) return { result: 'rejected', text: 'Request rejected: no access was revoked', ...base };
  if (!approved) return { result: 'pending', text: 'Not decided yet', ...base };
  if (finished && last) {
    const round = view.rounds.find((r) => r.round === last.round);
    if (round?.kind === 'reinstatement') {
      const restored = round.restored.length;
      const items = `${restored} item${restored === 1 ? '' : 's'} restored`;
      if (last.outcome === 'verified')
        return { result: 'reinstated', text: `Reinstated by ${round.by ?? 'an approver'} at ${round.at}: ${items}, verified by read-back`, ...base };
      if (last.outcome === 'failures' || !everyEnd)
        return { result: 'failures', text: `Reinstatement by ${round.by ?? 'an approver'}: ${last.failedSteps.length} step(s) failed`, ...base };
      // Nothing failed, yet not every step was confirmed by reading it back: said as what it is, never "failed".
      const result = last.outcome === 'attested' ? 'reinstated' : last.outcome;
      return { result, text: `Reinstatement by ${round.by ?? 'an approver'} at ${round.at}: ${items}; ${notVerified(steps, last.outcome)}`, ...base };
    }
    if (last.outcome === 'residual' && everyEnd) {
      return { result: 'residual', text: `Residual access: ${notVerified(steps, 'residual')}. Every other step ${verifiedHow(steps)}`, ...base };
    }
    if (last.outcome === 'unchecked') {
      const unchecked = steps.filter((s) => s.state === 'unchecked').map((s) => `${s.ref.title} in ${s.ref.scope} (${s.unchecked})`);
      const attested = steps.some((s) => s.state === 'attested') ? ' or attested' : '';
      return {
        result: 'unchecked',
        text: `Not all steps verified: ${unchecked.length} step(s) not checked, the bot could not look there: ${unchecked.join('; ')}. Every other step ${verifiedHow(steps)}${attested}`,
        ...base,
      };
    }
    if (last.outcome === 'attested') {
      const attested = steps.filter((s) => s.state === 'attested').map((s) => `${s.ref.title} by ${s.attestation!.by} at ${s.attestation!.at}`);
      return { result: 'attested', text: `All steps ${verifiedHow(steps)} or attested; attested, not verified: ${attested.join('; ')}`, ...base };
    }
    return last.outcome === 'verified'
      ? { result: 'verified', text: 'All steps verified', ...base }
      : { result: 'failures', text: `${last.failedSteps.length} step(s) failed`, ...base };
  }
  const verified = steps.filter((s) => s.state === 'verified' || s.state === 'attested').length;
  const open = steps.filter((s) => s.state === 'open').length;
  const waiting = open ? `; waiting for attestation of ${open} task(s)` : '';
  return { result: 'running', text: `Not finished: ${verified} of ${steps.length} steps verified or attested${waiting}`, ...base };
}

/** The scheduled deletion as the trail has it: due when, scheduled when, and what became of it. */
function deletionOf(view: RunView): PackDeletion | null {
  const scheduled = view.deletions[0];
  if (!scheduled) return null;
  const later = view.rounds.find((r) => r.kind === 'scheduled' || r.kind === 'grace_ended' || r.kind === 'reinstatement');
  return {
    due_at: scheduled.deleteAt,
    scheduled_at: scheduled.at,
    ran_in_round: later && later.kind !== 'reinstatement' ? later.round : null,
    cancelled_by_round: later?.kind === 'reinstatement' ? later.round : null,
  };
}

/** The steps a round could not confirm by reading back, by how each ended: residual access, not checked, or attested by a person. */
function notVerified(steps: StepProgress[], outcome: 'residual' | 'unchecked' | 'attested'): string {
  const where = (s: StepProgress) => `${s.ref.title} in ${s.ref.scope}`;
  switch (outcome) {
    case 'residual': {
      const left = steps.filter((s) => s.state === 'residual');
      return `${left.length} step(s) reported access the bot cannot remove, not verified: ${left.map((s) => `${where(s)} (${s.error ?? 'residual'})`).join('; ')}`;
    }
    case 'unchecked': {
      const unchecked = steps.filter((s) => s.state === 'unchecked');
      return `not all steps verified: ${unchecked.length} step(s) not checked, the bot could not look there: ${unchecked.map((s) => `${where(s)} (${s.unchecked})`).join('; ')}`;
    }
    case 'attested': {
      const attested = steps.filter((s) => s.state === 'attested');
      return `${verifiedHow(steps)} or attested; attested, not verified: ${attested.map((s) => `${s.ref.title} by ${s.attestation!.by} at ${s.attestation!.at}`).join('; ')}`;
    }
  }
}

/**
 * A round whose steps all ended still leaves the rotation tasks still open: the outcome says how
 * many, never "all done" alone (the result stays what the steps were).
 */
function withOpenTasks(outcome: PackOutcome, tasks: RotationTask[]): PackOutcome {
  const open = tasks.filter(isOpenTask).length;
  if (!open || !['verified', 'attested', 'unchecked', 'residual'].includes(outcome.result)) return outcome;
  return { ...outcome, text: `${outcome.text}; ${open} rotation task(s) still open` };
}

function packRotationTask(t: RotationTask): PackRotationTask {
  const base = { step_id: t.stepId, id: t.id, label: t.label, where: t.where, replacement_id: t.bot?.replaced?.replacementId ?? null };
  if (t.closed)
    return { ...base, state: t.closed.outcome, closed_by: t.closed.actor, closed_at: t.closed.at, assurance: 'attested', note: t.closed.note ?? null };
  if (t.bot?.retired)
    return {
      ...base,
      state: 'rotated_by_bot',
      closed_by: t.bot.requested.actor,
      closed_at: t.bot.retired.at,
      assurance: 'read_back',
      note: t.bot.retired.detail ?? null,
    };
  return { ...base, state: 'open', closed_by: null, closed_at: null, assurance: null, note: null };
}

/** The approvals a decision counted: each recorded approval of its terms, or the deciding click alone when one was needed. */
function approvalsOfTerms(view: RunView, approved: TrailRecord<'request.approved'>, digest: string) {
  const recorded = view.approvals.flatMap((r) =>
    r.digest === digest && (approved.approvedBy ?? [approved.actor]).includes(r.actor) ? [{ by: r.actor, at: r.at, digest }] : [],
  );
  return recorded.length ? recorded : [{ by: approved.actor, at: approved.at, digest }];
}

function approvalsOf(view: RunView, request: OffboardRequest | undefined): PackApproval[] {
  return view.decisions.map((e) => {
    const isRequester = e.actor === request?.requester.slackUserId;
    const isSubject = e.actor === request?.subject.slackUserId;
    const statement =
      isRequester || isSubject
        ? `The decision was taken by ${isSubject ? 'the person leaving' : 'the requester'}: separation of duties was NOT kept.`
        : 'Separation of duties kept: the approver is neither the requester nor the person leaving.';
    return {
      decision: e.decision,
      by: e.actor,
      at: e.at,
      reason: e.decision === 'rejected' ? e.reason : null,
      approvers_at_click: e.decision === 'approved' && e.approvers ? [...e.approvers] : null,
      approved_by: e.decision === 'approved' && e.approvedBy ? [...e.approvedBy] : null,
      rule: (e.decision === 'approved' && e.rule) || null,
      each_approval: e.decision === 'approved' && e.digest ? approvalsOfTerms(view, e, e.digest) : null,
      separation_of_duties: { approver_is_requester: isRequester, approver_is_subject: isSubject, statement },
    };
  });
}

function packRound(r: Round): PackRound {
  return {
    round: r.round,
    phase: r.phase,
    kind: r.kind,
    by: r.by ?? null,
    planned_at: r.at,
    steps: r.steps.map(stepId),
    outcome: r.outcome ?? null,
    restored: r.kind === 'reinstatement' ? r.restored.map(packChange) : [],
  };
}

const packChange = (c: { id: string; label: string; outcome: string; detail?: string }): PackChange => ({
  id: c.id,
  label: c.label,
  outcome: c.outcome,
  detail: c.detail ?? null,
});

function packStep(s: StepProgress, view: RunView, attested: boolean): PackStep {
  return {
    id: s.id,
    system: s.ref.system,
    system_title: s.ref.systemTitle ?? s.ref.system,
    scope: s.ref.scope,
    scope_noun: s.ref.scopeNoun ?? 'scope',
    step: s.ref.step,
    title: s.ref.title,
    phase: s.phase,
    state: s.state,
    assurance: assuranceOf(s, attested),
    attempts: s.attempts,
    // A warning (another team depends on it) since 1.3, only where there is one.
    found: s.found ? s.found.map((f) => ({ id: f.id, label: f.label, detail: f.detail ?? null, ...(f.warning ? { warning: f.warning } : {}) })) : null,
    inventory_note: s.inventoryNote ?? null,
    changes: (s.changes ?? []).map((c) => ({ ...packChange(c), transaction_id: c.transactionId ?? null })),
    transaction_ids: [...s.transactionIds],
    started_at: s.startedAt ?? null,
    acted_at: s.actedAt ?? null,
    verification: s.verification
      ? { checks: s.verification.checks, first_confirmed_at: s.verification.firstConfirmedAt, elapsed_ms: s.verification.elapsedMs }
      : null,
    retries: view.retries.flatMap((e) => (e.stepId === s.id ? [{ attempt: e.attempt, at: e.at, error: e.error, retry_in_ms: e.retryInMs }] : [])),
    error: s.error ?? null,
    ...(s.unchecked !== undefined ? { unchecked: s.unchecked } : {}),
    attestation: s.attestation
      ? {
          by: s.attestation.by,
          at: s.attestation.at,
          outcome: s.attestation.outcome,
          note: s.attestation.note ?? null,
          carried_from_round: s.attestation.carriedFrom ?? null,
        }
      : null,
    ...(s.items
      ? {
          item_tasks: s.items.map((i) => ({
            id: i.id,
            label: i.label,
            detail: i.detail ?? null,
            link: i.link ?? null,
            attestation: i.attestation
              ? { by: i.attestation.by, at: i.attestation.at, outcome: i.attestation.outcome, note: i.attestation.note ?? null }
              : null,
          })),
        }
      : {}),
  };
}
