import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { canonicalJson, linkEntries, sha256Hex } from '../../src/audit/audit-chain.js';
import { ibmCloud } from '../../src/connectors/ibm-cloud/system.js';
import { stepId } from '../../src/connectors/step-ref.js';
import { renderEvidencePdf } from '../../src/evidence/evidence-pdf.js';
import { buildEvidencePack, type EvidencePack } from '../../src/evidence/evidence-pack.js';
import { GENERATOR, NAMES, people, PLAN, request, run, type RunOptions } from './pack-fixture.js';

const schema = JSON.parse(readFileSync(new URL('../../src/evidence/evidence-pack.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

const RETRIED = stepId(PLAN[0]!);
const FAILED = stepId(PLAN[5]!);
const LIFECYCLE = {
  retryStep: RETRIED,
  failStep: FAILED,
  extra: [
    { type: 'access.attested', actor: 'U09SEC', stepId: FAILED, note: 'group removed by hand in the console' },
    { type: 'person.reinstated', actor: 'U09SEC', round: 2 },
  ],
} as unknown as RunOptions;

function packOf(opts: RunOptions = {}): EvidencePack {
  return buildEvidencePack({ requestId: request.id, round: 1, entries: run(opts).entries, generator: GENERATOR });
}

async function pdfText(pack: EvidencePack, keyId?: string): Promise<{ text: string; pages: string[]; bytes: Buffer }> {
  const bytes = await renderEvidencePdf(pack, { jsonSha256: sha256Hex(canonicalJson(pack)), keyId });
  const doc = await getDocumentProxy(new Uint8Array(bytes));
  const { text } = await extractText(doc, { mergePages: false });
  return { text: text.join('\n'), pages: text, bytes };
}

describe('the evidence pack JSON', () => {
  it('validates against the committed JSON Schema', () => {
    const pack = packOf(LIFECYCLE);
    expect(validate(JSON.parse(canonicalJson(pack))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('holds the request, approvals with the membership at click time, every action, read-back and exception, and the chain head', () => {
    const r = run(LIFECYCLE);
    const pack = buildEvidencePack({ requestId: request.id, round: 1, entries: r.entries, generator: GENERATOR });
    expect(pack.schema_version).toBe('1.7');
    expect(pack.request?.subject.name).toBe(NAMES.subject);
    expect(pack.approvals[0]).toMatchObject({
      decision: 'approved',
      by: 'U09SEC',
      approvers_at_click: ['U09SEC', 'U06KIM', 'U08COMP'],
      separation_of_duties: { approver_is_requester: false, approver_is_subject: false },
    });
    expect(pack.actions.map((a) => a.transaction_id)).toEqual(r.transactions);
    expect(pack.read_backs).toHaveLength(7);
    expect(pack.exceptions.map((x) => x.kind)).toEqual(['approval_refused', 'step_retried', 'step_failed']);
    expect(pack.attestations.map((a) => a.type)).toEqual(['access.attested']);
    expect(pack.reinstatements.map((a) => a.type)).toEqual(['person.reinstated']);
    expect(pack.steps.find((s) => s.id === FAILED)?.assurance).toBe('attested_by_person');
    expect(pack.steps.find((s) => s.id === RETRIED)?.assurance).toBe('verified_by_read_back');
    expect(pack.chain.head).toBe(r.entries.at(-1)!.hash);
    expect(pack.generator).toEqual(GENERATOR);
  });

  it('is the same bytes when regenerated from the same trail', () => {
    expect(canonicalJson(packOf(LIFECYCLE))).toBe(canonicalJson(packOf(LIFECYCLE)));
  });
});

describe('the evidence PDF', () => {
  it('holds every required section and the values of a run with successes, a failure, a retry, an attestation and a reinstatement', async () => {
    const pack = packOf(LIFECYCLE);
    const { text } = await pdfText(pack, 'ops-2025');
    for (const section of [
      'Offboarding evidence',
      'Summary',
      'Request and approvals',
      'Separation of duties',
      'Approvers at click time',
      'Timeline',
      'Per-system detail',
      'Retention and hand-over',
      'Exceptions',
      'Scope',
      'What is not covered',
      'Control references',
      'Integrity',
    ]) {
      expect(text).toContain(section);
    }
    for (const label of ['Verified by read-back', 'Attested by a person']) expect(text).toContain(label);
    for (const control of ['PS-4', 'PS-5', 'AC-2', 'CC6.2', 'CC6.3', 'A.5.18', 'A.6.5']) expect(text).toContain(control);
    for (const a of pack.actions) expect(text).toContain(a.transaction_id);
    expect(text.replace(/\s+/g, ' ')).toContain('403 Forbidden: the operator lacks the Administrator role on Access groups');
    expect(text).toContain('429 Too Many Requests');
    expect(text).toContain('access.attested');
    expect(text).toContain('person.reinstated');
    expect(text).toContain('Signing key ops-2025');
  });

  it('says, under What is not covered, what each system of the run does not reach, in its own words', async () => {
    const pack = packOf(LIFECYCLE);
    // Recorded when the round was planned, so the JSON carries it and the PDF prints only what the JSON says.
    expect(pack.not_covered).toEqual(ibmCloud.notCovered);
    const { text } = await pdfText(pack, 'ops-2025');
    const flat = text.replace(/\s+/g, ' ');
    expect(ibmCloud.notCovered.length).toBeGreaterThan(0);
    for (const clause of ibmCloud.notCovered) expect(flat).toContain(`${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`);
  });

  it('matches the JSON: the same outcome, chain head and JSON SHA-256 on every page', async () => {
    const pack = packOf(LIFECYCLE);
    const { pages } = await pdfText(pack);
    const sha = sha256Hex(canonicalJson(pack));
    expect(pages[0]).toContain(pack.outcome.text);
    pages.forEach((page, i) => {
      expect(page).toContain(`JSON SHA-256 ${sha}`);
      expect(page).toContain(`Chain head ${pack.chain.head}`);
      expect(page).toContain(`Page ${i + 1} of ${pages.length}`);
      expect(page).toContain('Unsigned');
    });
  });

  it('prints names in Latin Extended, Greek, Cyrillic, Hebrew, Arabic, Chinese, Japanese and Korean as Slack has them', async () => {
    const japanese = 'さくら 田中';
    const { text } = await pdfText({ ...packOf(), people: { ...people, U06KIM: `${NAMES.other} ${japanese}` } });
    const words = [...Object.values(NAMES), japanese].flatMap((n) => n.split(' '));
    for (const word of words) expect(text.includes(word) || text.includes([...word].reverse().join('')), word).toBe(true);
    expect(text).not.toContain('?');
  });

  it('prints a placeholder and the Slack id for a character no bundled font has, never a question mark', async () => {
    const { text } = await pdfText({ ...packOf(), people: { ...people, U06KIM: 'Ana 𓀀 Lima' } });
    expect(text).toContain('Ana \u25A1 Lima (U06KIM)');
  });

  it('keeps every id whole on one line, even in narrow columns', async () => {
    const pack = packOf(LIFECYCLE);
    const { text } = await pdfText(pack);
    const lines = text.split('\n');
    for (const id of [...pack.actions.map((a) => a.transaction_id), ...pack.steps.flatMap((s) => (s.found ?? []).map((f) => f.id)), pack.chain.head]) {
      expect(
        lines.some((l) => l.includes(id)),
        id,
      ).toBe(true);
    }
  });

  it('paginates a 500-entry trail without overflow, every page numbered', async () => {
    const pack = packOf({ padding: 460 });
    expect(pack.chain.length).toBeGreaterThanOrEqual(500);
    const { pages, text } = await pdfText(pack);
    expect(pages.length).toBeGreaterThan(10);
    expect(text).toContain(`Page ${pages.length} of ${pages.length}`);
    expect(text).toContain('padding retry 459');
  }, 60_000);

  it('gives the same text when regenerated from the same pack, and declares PDF/A-2b with embedded fonts only', async () => {
    const pack = packOf(LIFECYCLE);
    const [a, b] = [await pdfText(pack), await pdfText(pack)];
    expect(a.text).toBe(b.text);
    const raw = a.bytes.toString('latin1');
    expect(raw).toContain('<pdfaid:part>2</pdfaid:part>');
    expect(raw).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
    expect(raw).toContain('/OutputIntents');
    expect(raw).not.toMatch(/\/BaseFont \/(Helvetica|Times|Courier)/);
    expect(raw).not.toMatch(/\/ca [0-9.]+|\/CA [0-9.]+|\/SMask/);
  });
});

describe('what the pack says about the rounds after the first', () => {
  const DUE = '2025-04-03T17:00:00.000Z';
  const disabled = { extra: [{ type: 'deletion.scheduled', deleteAt: DUE }] } as RunOptions;
  const flat = (text: string) => text.replace(/\s+/g, ' ');

  it('prints every transaction id of every round whole, in the JSON and the PDF: none is taken for a secret', async () => {
    const r = run({
      ...disabled,
      later: [
        { phase: 'delete', by: 'schedule', graceEndedBy: 'U09SEC', failStep: FAILED },
        { phase: 'delete', by: 'U06KIM', steps: [PLAN[5]!] },
      ],
    });
    const pack = buildEvidencePack({ requestId: request.id, round: 3, entries: r.entries, generator: GENERATOR });
    const later = r.transactions.filter((t) => /-r[23]-a1$/.test(t));
    expect(later.length).toBe(PLAN.length);
    expect(pack.actions.map((a) => a.transaction_id)).toEqual(r.transactions);
    const { text } = await pdfText(pack);
    for (const t of r.transactions) expect(text, t).toContain(t);
    expect(text).not.toContain('[redacted');
  });

  it('prints when the deletion is due, not only when it was scheduled, and the JSON states both', async () => {
    const pack = packOf(disabled);
    const scheduledAt = pack.chain.entries.find((e) => e.event.type === 'deletion.scheduled')!.at;
    const text = flat((await pdfText(pack)).text);
    expect(text).toContain(`Deletion due ${DUE} (scheduled at ${scheduledAt})`);
    expect(pack.deletion).toEqual({ due_at: DUE, scheduled_at: scheduledAt, ran_in_round: null, cancelled_by_round: null });
    expect(validate(JSON.parse(canonicalJson(pack))), JSON.stringify(validate.errors)).toBe(true);
    expect(packOf().deletion).toBeNull();
  });

  it('names the deletion after "End grace period now" for who ended the grace period, and what became of the scheduled deletion', async () => {
    const pack = buildEvidencePack({
      requestId: request.id,
      round: 2,
      entries: run({ ...disabled, later: [{ phase: 'delete', by: 'schedule', graceEndedBy: 'U06KIM' }] }).entries,
      generator: GENERATOR,
    });
    const text = flat((await pdfText(pack)).text);
    expect(text).not.toMatch(/failed steps? retried/);
    expect(text).toContain('Round 1: disable phase at');
    expect(text).toContain(`Round 2: delete phase (grace ended by ${NAMES.other} (U06KIM)) at`);
    expect(text).toContain(`; ran in round 2, delete phase (grace ended by ${NAMES.other} (U06KIM))`);
    expect(pack.rounds.map((x) => [x.round, x.kind, x.by])).toEqual([
      [1, 'first', 'U09SEC'],
      [2, 'grace_ended', 'U06KIM'],
    ]);
    expect(pack.deletion).toMatchObject({ due_at: DUE, ran_in_round: 2, cancelled_by_round: null });
  });

  it('names a deletion the schedule started "by schedule", and a retry after it "retry by" the approver', async () => {
    const pack = packOf({
      ...disabled,
      later: [
        { phase: 'delete', by: 'schedule', failStep: FAILED },
        { phase: 'delete', by: 'U06KIM', steps: [PLAN[5]!] },
      ],
    });
    const text = flat((await pdfText(pack)).text);
    expect(text).toContain('Round 2: delete phase (by schedule) at');
    expect(text).toContain(`Round 3: retry by ${NAMES.other} (U06KIM) of the delete phase's failed steps at`);
    expect(pack.rounds.map((x) => [x.kind, x.by])).toEqual([
      ['first', 'U09SEC'],
      ['scheduled', null],
      ['retry', 'U06KIM'],
    ]);
  });

  it('a reinstatement pack names the reinstatement, who did it, when and what came back, and does not claim "All steps verified" or "Reinstatements: none"', async () => {
    const restoredPlan = PLAN.filter((ref) => ref.step !== 'account-membership');
    const { entries } = run({ ...disabled, later: [{ phase: 'reinstate', by: 'U09SEC', steps: restoredPlan }] });
    const restored = entries.flatMap((e) =>
      e.event.type === 'step.acted' ? (e.event.changes as { outcome: string }[]).filter((c) => c.outcome === 'restored') : [],
    ).length;
    expect(restored).toBe(7);
    const pack = buildEvidencePack({ requestId: request.id, round: 2, entries, generator: GENERATOR });
    const text = flat((await pdfText(pack)).text);
    expect(text).not.toContain('All steps verified');
    expect(text).not.toContain('Reinstatements none');
    expect(text).toMatch(new RegExp(`Outcome Reinstated by U09SEC at \\S+: ${restored} items restored, verified by read-back`));
    expect(text).toContain(`Reinstatements round 2, reinstatement by ${NAMES.approver} (U09SEC) at`);
    expect(text).toContain(`${restored} items restored (round outcome: verified)`);
    expect(text).toContain(`Round 2: reinstatement by ${NAMES.approver} (U09SEC) at`);
    expect(text).toContain(`Round 2: reinstatement by ${NAMES.approver} (U09SEC) Generated at`); // on the cover
    expect(text).toContain('zoe-cli (ApiKey-7c1d2e3f-4a5b-4c6d-8e7f-000000000100)');
    expect(text).toContain('not run: the person was reinstated in round 2');

    expect(pack.outcome).toMatchObject({ result: 'reinstated' });
    expect(pack.request?.status).toBe('reinstated');
    expect(pack.rounds[1]).toMatchObject({ round: 2, phase: 'reinstate', kind: 'reinstatement', by: 'U09SEC', outcome: 'verified' });
    expect(pack.rounds[1]!.restored.map((c) => c.id)).toContain('ApiKey-7c1d2e3f-4a5b-4c6d-8e7f-000000000100');
    expect(pack.reinstatements.map((e) => [e.type, e.event.phase])).toEqual([['run.planned', 'reinstate']]);
    expect(pack.deletion).toMatchObject({ due_at: DUE, ran_in_round: null, cancelled_by_round: 2 });
    expect(validate(JSON.parse(canonicalJson(pack))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('describes a hand-over where nothing was kept for the successor as recorded, not acted upon, never as taken over', async () => {
    const text = flat((await pdfText(packOf())).text);
    expect(text).not.toContain('the successor named above takes them over');
    expect(text).toContain(`Successor ${NAMES.successor} (U05SUCC)`);
    expect(text).toContain(
      'Hand-over recorded, not acted upon: a successor was named, and the bot handed nothing over (nothing the person created was kept working for them)',
    );
  });

  it('says where the pack goes as the bot delivers it: by direct message, in the thread only where that is switched on', async () => {
    const text = flat((await pdfText(packOf())).text);
    expect(text).toContain('goes by direct message to compliance and to the approvers who ask for it, each delivery recorded in the trail');
    expect(text).toContain('posted in the request’s Slack thread only where OFFBOARD_EVIDENCE_IN_THREAD is on');
  });

  it('describes a hand-over as what was done: the items kept working for the successor, and nothing else acted upon', async () => {
    const ref = PLAN[0]!;
    const kept = {
      type: 'step.acted',
      stepId: stepId(ref),
      transactionId: `offboard-${request.id}-${stepId(ref)}-a1`,
      changes: [
        { id: 'ServiceId-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', label: 'ci-pipeline', outcome: 'kept', detail: 'handed over' },
        { id: 'ApiKey-50617283-94a5-4fb6-9c07-18293a4b5c6d', label: 'ci-pipeline key', outcome: 'kept', detail: 'handed over' },
      ],
    } as unknown as AuditEvent;
    const text = flat((await pdfText(packOf({ extra: [kept] }))).text);
    expect(text).toContain(
      'Hand-over 2 items the person created kept working for the successor, listed under each step as handed over (no credential was rotated by the bot); anything else, their data included, recorded, not acted upon',
    );
    expect(text).not.toContain('the bot handed nothing over');
  });

  it('a step whose items are attested one by one: each item with who attested it, when and how, and never attested as a whole while one is open', async () => {
    const ref = { ...PLAN[0]!, step: 'servers', title: 'Their SSH keys on servers' };
    const id = stepId(ref);
    const items = [
      { id: 'us-south/web-1/k1', label: 'SSH key k1 on server web-1 (us-south)', link: 'https://cloud.example/web-1' },
      { id: 'eu-de/db-1/k1', label: 'SSH key k1 on server db-1 (eu-de)' },
    ];
    const events: object[] = [
      { type: 'request.submitted', actor: request.requester.slackUserId, request },
      { type: 'request.approved', actor: 'U09SEC' },
      { type: 'run.planned', round: 1, steps: [ref], startsAt: '2025-03-04T17:00:00.000Z', phase: 'disable' },
      { type: 'step.inventoried', stepId: id, found: items },
      { type: 'task.opened', stepId: id, instructions: 'Remove it', attesters: { kind: 'users', ids: [] }, items },
      { type: 'item.attested', stepId: id, itemId: items[1]!.id, label: items[1]!.label, actor: 'U09SEC', outcome: 'not_applicable', note: 'rebuilt' },
    ];
    const at = (i: number) => `2025-03-04T17:00:${String(i).padStart(2, '0')}.000Z`;
    const entries = (n: number) =>
      linkEntries(
        request.id,
        events.slice(0, n).map((event, i) => ({ seq: `${i + 1}-0`, at: at(i), event })),
      );
    const open = buildEvidencePack({ requestId: request.id, round: 1, entries: entries(events.length), generator: GENERATOR }).steps[0]!;
    expect(open.state).toBe('open');
    expect(open.assurance).toBe('residual_not_verified');
    expect(open.item_tasks).toEqual([
      { id: items[0]!.id, label: items[0]!.label, detail: null, link: 'https://cloud.example/web-1', attestation: null },
      {
        id: items[1]!.id,
        label: items[1]!.label,
        detail: null,
        link: null,
        attestation: { by: 'U09SEC', at: at(5), outcome: 'not_applicable', note: 'rebuilt' },
      },
    ]);
    events.push(
      { type: 'item.attested', stepId: id, itemId: items[0]!.id, label: items[0]!.label, actor: 'U06KIM', outcome: 'done' },
      { type: 'step.attested', stepId: id, actor: 'U06KIM', outcome: 'done', note: 'each of its 2 item(s) attested on its own: 1 done, 1 not applicable' },
    );
    const pack = buildEvidencePack({ requestId: request.id, round: 1, entries: entries(events.length), generator: GENERATOR });
    expect(pack.steps[0]).toMatchObject({ state: 'attested', assurance: 'attested_by_person' });
    expect(pack.steps[0]!.item_tasks![0]!.attestation).toEqual({ by: 'U06KIM', at: at(6), outcome: 'done', note: null });
    const text = flat((await pdfText(pack)).text);
    expect(text).toContain('2 items, each attested on its own; not read back by the bot');
    expect(text).toContain(
      `SSH key k1 on server web-1 (us-south) (${items[0]!.id}): Done: attested by U06KIM at ${at(6)}. Console: https://cloud.example/web-1`,
    );
    expect(text).toContain(`SSH key k1 on server db-1 (eu-de) (${items[1]!.id}): Not applicable: attested by U09SEC at ${at(5)}. Note: rebuilt`);
  });
});

describe('a round that ended neither verified nor failed', () => {
  const flat = (text: string) => text.replace(/\s+/g, ' ');
  type Record = { seq: string; at: string; event: { type: string; [k: string]: unknown } };
  /** The run's trail with `edit` applied to its events, linked again as the bot would have written it. */
  const edited = (entries: ReturnType<typeof run>['entries'], edit: (records: Record[]) => void) => {
    const records = entries.map(({ seq, at, event }) => ({ seq, at, event: event as Record['event'] }));
    edit(records);
    return linkEntries(request.id, records);
  };
  /** Replaces the step's read-back in `round` (its last `step.verified` from that round on) with `end`. */
  const endedAs = (records: Record[], round: number, step: string, end: Record['event']) => {
    const planned = records.findIndex((r) => r.event.type === 'run.planned' && r.event.round === round);
    const at = records.findIndex((r, i) => i > planned && r.event.type === 'step.verified' && r.event.stepId === step);
    records[at] = { ...records[at]!, event: end };
  };
  const finishedAs = (records: Record[], round: number, finish: object) => {
    const at = records.findIndex((r) => r.event.type === 'run.finished' && r.event.round === round);
    records[at] = { ...records[at]!, event: { type: 'run.finished', round, failedSteps: [], ...finish } };
  };
  const GROUPS = stepId(PLAN[1]!);
  const NOTE = 'rule-based membership through the rule "SSO Users": change the rule in the console';

  it('left residual access: the outcome says so, naming the step and why, amber, never "0 step(s) failed"; a pack stating 1.6 still rebuilds as it was', async () => {
    const entries = edited(run().entries, (records) => {
      endedAs(records, 1, GROUPS, { type: 'step.residual', stepId: GROUPS, items: [{ id: 'AccessGroupId-sso', label: 'SSO Users' }], note: NOTE });
      finishedAs(records, 1, { outcome: 'residual', residualSteps: [GROUPS] });
    });
    const pack = buildEvidencePack({ requestId: request.id, round: 1, entries, generator: GENERATOR });
    expect(pack.outcome).toMatchObject({
      result: 'residual',
      text: `Residual access: 1 step(s) reported access the bot cannot remove, not verified: Access groups in ${PLAN[1]!.scope} (${NOTE}). Every other step verified by read-back`,
    });
    expect(validate(JSON.parse(canonicalJson(pack))), JSON.stringify(validate.errors)).toBe(true);
    const text = flat((await pdfText(pack)).text);
    expect(text).toContain('Outcome Residual access: 1 step(s) reported access the bot cannot remove');
    expect(text).not.toMatch(/\b0 step\(s\) failed/);
    // Exported before 1.7, the pack rebuilds byte for byte as it was stated then.
    const old = buildEvidencePack({ requestId: request.id, round: 1, entries, generator: GENERATOR, schemaVersion: '1.6' });
    expect(old.outcome).toMatchObject({ result: 'failures', text: '0 step(s) failed' });
    expect('deletion' in old).toBe(false);
  });

  it('a reinstatement a step of which could not look: the outcome names who reinstated, what came back and what was not checked, never "failed"', async () => {
    const restoredPlan = PLAN.filter((ref) => ref.step !== 'account-membership');
    const entries = edited(run({ later: [{ phase: 'reinstate', by: 'U09SEC', steps: restoredPlan }] }).entries, (records) => {
      endedAs(records, 2, GROUPS, { type: 'step.unchecked', stepId: GROUPS, reason: 'the account does not answer for access groups here' });
      finishedAs(records, 2, { outcome: 'unchecked', uncheckedSteps: [GROUPS] });
    });
    const pack = buildEvidencePack({ requestId: request.id, round: 2, entries, generator: GENERATOR });
    expect(pack.outcome.result).toBe('unchecked');
    expect(pack.outcome.text).toMatch(
      /^Reinstatement by U09SEC at \S+: 7 items restored; not all steps verified: 1 step\(s\) not checked, the bot could not look there: Access groups in \S+ \(the account does not answer for access groups here\)$/,
    );
    expect(validate(JSON.parse(canonicalJson(pack))), JSON.stringify(validate.errors)).toBe(true);
    const text = flat((await pdfText(pack)).text);
    expect(text).toContain('Outcome Reinstatement by U09SEC at');
    expect(text).not.toMatch(/\b0 step\(s\) failed|All steps verified|Reinstatements none/);
  });
});
