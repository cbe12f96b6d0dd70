import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditRecord } from '../../src/audit/audit-event.js';
import {
  earlierIdentities,
  foundNothingAnywhere,
  identificationDone,
  identifiedSystems,
  isFailed,
  runView,
  uncheckedOf,
  uncheckedSteps,
} from '../../src/runs/run-view.js';

const REF = { system: 'ibm-cloud', scope: 'acct', step: 'api-keys', title: 'API keys' };
const ID = 'ibm-cloud.acct.api-keys';
const records = (events: AuditEvent[]): AuditRecord[] =>
  events.map((e, i) => ({ ...e, seq: `${i + 1}-0`, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }));
const planned = (round: number): AuditEvent => ({ type: 'run.planned', round, steps: [REF], startsAt: '2026-01-01T00:00:00.000Z', phase: 'delete' });
const verified = (checks: number): AuditEvent => ({ type: 'step.verified', stepId: ID, checks, firstConfirmedAt: '2026-01-01T00:00:05.000Z', elapsedMs: 10 });
const key = (outcome: 'removed' | 'already_absent' | 'still_present' | 'outcome_unknown', transactionId: string): AuditEvent => ({
  type: 'step.acted',
  stepId: ID,
  transactionId,
  changes: [{ id: 'k1', label: 'ci', outcome }],
});

describe('folding a step from the trail', () => {
  it('a step ends once per round: what a job that ran again writes after it ended does not change how it ended', () => {
    const [step] = runView(
      records([
        planned(1),
        { type: 'step.started', stepId: ID, attempt: 1 },
        verified(1),
        { type: 'step.started', stepId: ID, attempt: 2 },
        { type: 'step.retrying', stepId: ID, attempt: 2, error: 'Redis went away', retryInMs: 1000 },
        verified(3),
      ]),
    ).steps;
    expect(step).toMatchObject({ state: 'verified', verification: { checks: 1 } });
    expect(step!.error).toBeUndefined();
  });

  it('a step that could not look is "not checked" with why: never verified, never failed (no retry helps), and never "found nothing"', () => {
    const why = 'the Resource Controller answers only for account own';
    const view = runView(
      records([
        planned(1),
        { type: 'step.started', stepId: ID, attempt: 1 },
        { type: 'step.inventoried', stepId: ID, found: [], unchecked: why },
        { type: 'step.unchecked', stepId: ID, reason: why },
        // A job that ran again after it ended changes nothing of how.
        verified(1),
      ]),
    );
    const [step] = view.steps;
    expect(step).toMatchObject({ state: 'unchecked', unchecked: why });
    expect(step!.verification).toBeUndefined();
    expect(isFailed(step!)).toBe(false);
    expect(uncheckedSteps(view).map((s) => s.id)).toEqual([ID]);
    expect(uncheckedOf(view)).toEqual([`API keys in scope acct: not checked (${why})`]);
    expect(view.rounds[0]!.ended.has(ID)).toBe(true);
    expect(foundNothingAnywhere(view.steps)).toBe(false);
  });

  it('a trail written before steps could say so still reads: the step stands as it was recorded then, its note kept', () => {
    const [step] = runView(
      records([
        planned(1),
        { type: 'step.inventoried', stepId: ID, found: [], note: 'not checked: the Resource Controller answers only for account own' },
        verified(1),
      ]),
    ).steps;
    expect(step).toMatchObject({ state: 'verified', inventoryNote: 'not checked: the Resource Controller answers only for account own' });
    expect(step!.unchecked).toBeUndefined();
  });

  it('a new round of the step opens it again', () => {
    const [step] = runView(
      records([planned(1), { type: 'step.failed', stepId: ID, attempt: 1, error: 'refused' }, planned(2), { type: 'step.started', stepId: ID, attempt: 1 }]),
    ).steps;
    expect(step!.state).toBe('running');
  });

  it('a step whose items are tasks: each item carries its first attestation, in every phase that opens it, and the step stays open until its end is recorded', () => {
    const phase = (round: number, p: 'disable' | 'delete'): AuditEvent => ({ ...planned(round), phase: p }) as AuditEvent;
    const server = (id: string) => ({ id, label: `SSH key k on server ${id}` });
    const opened = (...ids: string[]): AuditEvent => ({
      type: 'task.opened',
      stepId: ID,
      instructions: 'Remove it',
      attesters: { kind: 'users', ids: [] },
      items: ids.map(server),
    });
    const attested = (itemId: string, actor: string, note?: string): AuditEvent => ({
      type: 'item.attested',
      stepId: ID,
      itemId,
      label: `SSH key k on server ${itemId}`,
      actor,
      outcome: note ? 'not_applicable' : 'done',
      ...(note ? { note } : {}),
    });
    const view = runView(
      records([
        phase(1, 'disable'),
        opened('web-1', 'db-1'),
        attested('web-1', 'U0ALEX001'),
        // A second click that raced the first: the first stands.
        attested('web-1', 'U0RILEY01'),
        phase(2, 'delete'),
        opened('web-1', 'db-1', 'web-9'),
        attested('db-1', 'U0RILEY01', 'rebuilt without it'),
      ]),
    );
    const [disable, deletion] = view.steps;
    expect(disable!.items!.map((i) => [i.id, i.attestation?.by, i.attestation?.outcome])).toEqual([
      ['web-1', 'U0ALEX001', 'done'],
      ['db-1', 'U0RILEY01', 'not_applicable'],
    ]);
    expect(deletion!.items!.map((i) => [i.id, i.attestation?.by, i.attestation?.note])).toEqual([
      ['web-1', 'U0ALEX001', undefined],
      ['db-1', 'U0RILEY01', 'rebuilt without it'],
      ['web-9', undefined, undefined],
    ]);
    expect(deletion!.items![0]!.attestation!.at).toBe('2026-01-01T00:00:02.000Z');
    expect([disable!.state, deletion!.state]).toEqual(['open', 'open']);
  });

  it("an item accounted for as still present or outcome unknown is settled by what a later round records, under that round's transaction id", () => {
    const fold = (...events: AuditEvent[]) => runView(records([planned(1), ...events])).steps[0]!.changes;
    expect(fold(key('still_present', 'a1'), key('removed', 'r2-a1'))).toEqual([expect.objectContaining({ outcome: 'removed', transactionId: 'r2-a1' })]);
    expect(fold(key('outcome_unknown', 'a1'), key('already_absent', 'r2-a1'))).toEqual([
      expect.objectContaining({ outcome: 'already_absent', transactionId: 'r2-a1' }),
    ]);
    // A removal recorded stays the removal, with the transaction id that made it.
    expect(fold(key('removed', 'a1'), key('still_present', 'a2'))).toEqual([expect.objectContaining({ outcome: 'removed', transactionId: 'a1' })]);
  });
});

describe('the rounds of a request, from its trail', () => {
  const SLACK = { system: 'slack', scope: 'workspace', step: 'account', title: 'Slack account' };
  const plan = (round: number, phase: 'disable' | 'delete' | 'reinstate', by?: string, steps = [REF, SLACK]): AuditEvent => ({
    type: 'run.planned',
    round,
    phase,
    steps,
    startsAt: '2026-01-01T00:00:00.000Z',
    ...(by ? { by } : {}),
  });
  const finished = (round: number, outcome: 'verified' | 'failures'): AuditEvent => ({
    type: 'run.finished',
    round,
    outcome,
    failedSteps: outcome === 'failures' ? [ID] : [],
  });

  it('names each round for what started it and who: the approver, the grace period ended early, a retry, a reinstatement', () => {
    const { rounds } = runView(
      records([
        { type: 'request.approved', actor: 'U_APPROVER' },
        plan(1, 'disable', 'U_APPROVER'),
        finished(1, 'verified'),
        { type: 'grace.ended', actor: 'U_RILEY' },
        plan(2, 'delete', 'schedule'),
        finished(2, 'failures'),
        plan(3, 'delete', 'U_SAM', [REF]),
      ]),
    );
    expect(rounds.map(({ round, phase, kind, by, outcome }) => ({ round, phase, kind, by, outcome }))).toEqual([
      { round: 1, phase: 'disable', kind: 'first', by: 'U_APPROVER', outcome: 'verified' },
      { round: 2, phase: 'delete', kind: 'grace_ended', by: 'U_RILEY', outcome: 'failures' },
      { round: 3, phase: 'delete', kind: 'retry', by: 'U_SAM', outcome: undefined },
    ]);
  });

  it('a deletion the schedule started is nobody’s, and a reinstatement is its approver’s', () => {
    const { rounds } = runView(records([plan(1, 'disable', 'U_A'), finished(1, 'verified'), plan(2, 'delete', 'schedule'), plan(3, 'reinstate', 'U_B')]));
    expect(rounds.map((r) => [r.kind, r.by])).toEqual([
      ['first', 'U_A'],
      ['scheduled', undefined],
      ['reinstatement', 'U_B'],
    ]);
  });

  it('keeps what each round found of the person per system, and what an earlier round found for a later one', () => {
    const view = runView(
      records([
        plan(1, 'disable'),
        { type: 'identities.found', round: 1, system: 'ibm-cloud', identities: [{ scope: 'acct', id: 'IBMid-1', label: 'jane' }] },
        { type: 'identities.failed', round: 1, system: 'slack', error: 'SCIM is down' },
        plan(2, 'disable'),
        { type: 'identities.found', round: 2, system: 'ibm-cloud', identities: [] },
      ]),
    );
    expect(view.rounds[0]!.identities.get('ibm-cloud')).toEqual([{ scope: 'acct', id: 'IBMid-1', label: 'jane' }]);
    expect(view.rounds[0]!.lookupFailures.get('slack')).toBe('SCIM is down');
    expect([...identifiedSystems(view, 1)].sort()).toEqual(['ibm-cloud', 'slack']);
    expect(identificationDone(view, 1)).toBe(true);
    // Round 2 has not asked Slack yet, and found nobody in IBM Cloud by email: round 1's identity is still known.
    expect(identificationDone(view, 2)).toBe(false);
    expect(earlierIdentities(view, 'ibm-cloud', 2)).toEqual([{ scope: 'acct', id: 'IBMid-1', label: 'jane' }]);
    expect(earlierIdentities(view, 'ibm-cloud', 1)).toEqual([]);
  });

  it('counts, per round, the executions each step started and the steps that said how they ended', () => {
    const view = runView(
      records([
        plan(1, 'disable'),
        { type: 'step.started', stepId: ID, attempt: 1 },
        { type: 'step.started', stepId: ID, attempt: 2 },
        { type: 'step.failed', stepId: ID, attempt: 2, error: 'refused' },
        plan(2, 'disable', 'U_SAM', [REF]),
        { type: 'step.started', stepId: ID, attempt: 1 },
      ]),
    );
    expect(view.rounds.map((r) => [r.executions.get(ID), [...r.ended]])).toEqual([
      [2, [ID]],
      [1, []],
    ]);
    expect(view.current).toEqual({ round: 2, phase: 'disable', finished: false });
  });

  it("states the request's outcome as the trail proves it: pending, rejected, running, or its last round finished", () => {
    expect(runView(records([])).outcome).toEqual({ kind: 'pending' });
    expect(runView(records([{ type: 'request.rejected', actor: 'U_A', reason: 'wrong person' }])).outcome).toEqual({ kind: 'rejected' });
    expect(runView(records([{ type: 'request.approved', actor: 'U_A' }, plan(1, 'disable')])).outcome).toEqual({ kind: 'running', round: 1 });
    expect(runView(records([plan(1, 'disable'), finished(1, 'failures')])).outcome).toEqual({
      kind: 'finished',
      round: 1,
      phase: 'disable',
      outcome: 'failures',
    });
    // A retry planned after the round finished runs again.
    expect(runView(records([plan(1, 'disable'), finished(1, 'failures'), plan(2, 'disable')])).outcome).toEqual({ kind: 'running', round: 2 });
  });
});

describe("folding the bot's rotation of a credential", () => {
  const task = { stepId: ID, itemId: 'k1' };
  const replaced = (replacementId: string): AuditEvent => ({
    type: 'rotation.replaced',
    ...task,
    replacementId,
    replacementName: 'offboard-rotation-x',
    replacementCreatedAt: '2026-01-01T00:00:00.000Z',
  });

  it('the first request and the first replacement stand; each Switched and each hold are kept in order', () => {
    const view = runView(
      records([
        { type: 'rotation.requested', ...task, actor: 'U1' },
        { type: 'rotation.requested', ...task, actor: 'U2' },
        replaced('k2'),
        replaced('k3'),
        { type: 'rotation.switched', ...task, actor: 'U1', attempt: 1 },
        { type: 'rotation.held', ...task, attempt: 1, lastUsed: '2026-01-01T00:00:09.000Z' },
        { type: 'rotation.switched', ...task, actor: 'U2', attempt: 2 },
        { type: 'rotation.retired', ...task, attempt: 2 },
      ]),
    );
    const r = view.botRotations.get(`${ID}/k1`)!;
    expect(r.requested.actor).toBe('U1');
    expect(r.replaced!.replacementId).toBe('k2');
    expect(r.switches.map((s) => s.actor)).toEqual(['U1', 'U2']);
    expect(r.holds.map((h) => h.attempt)).toEqual([1]);
    expect(r.retired!.attempt).toBe(2);
  });

  it('a failure stands until a later stage succeeds; nothing recorded without a request counts', () => {
    const failed: AuditEvent = { type: 'rotation.failed', ...task, work: 'replace', error: 'denied' };
    expect(runView(records([{ type: 'rotation.requested', ...task, actor: 'U1' }, failed])).botRotations.get(`${ID}/k1`)!.failed?.error).toBe('denied');
    expect(
      runView(records([{ type: 'rotation.requested', ...task, actor: 'U1' }, failed, replaced('k2')])).botRotations.get(`${ID}/k1`)!.failed,
    ).toBeUndefined();
    expect(runView(records([replaced('k2')])).botRotations.size).toBe(0);
  });
});
