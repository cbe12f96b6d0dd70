import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditRecord } from '../../src/audit/audit-event.js';
import type { Change, Finding } from '../../src/connectors/connector.js';
import { stepId, type StepRef } from '../../src/connectors/step-ref.js';
import { evidenceFilename, renderEvidenceReport, type EvidenceInput } from '../../src/evidence/evidence-report.js';
import { redact } from '../../src/redact.js';
import type { OffboardRequest } from '../../src/requests/request.js';

const PROD = '4f1c2b7a9e3d4c5b8a6f0e1d2c3b4a59';
const DEV = '9b8a7c6d5e4f30211a2b3c4d5e6f7081';
const ACCOUNTS = { [PROD]: 'Acme Production', [DEV]: 'Acme Development' };
const STEPS: Array<[string, string]> = [
  ['api-keys', 'API keys'],
  ['access-groups', 'Access groups'],
  ['policies', 'Access policies'],
  ['account-membership', 'Account membership'],
];
const PLAN: StepRef[] = [PROD, DEV].flatMap((scope) =>
  STEPS.map(([step, title]) => ({ system: 'ibm-cloud', scope, step, title })),
);

const request: OffboardRequest = {
  id: 'OFF-7K3QX',
  subject: { slackUserId: 'U07JANE', name: 'Jane Doe', email: 'jane.doe@acme.example' },
  requester: { slackUserId: 'U02MGR', name: 'Marco Rossi' },
  reason: 'resignation',
  effectiveAt: '2025-03-04T17:00:00.000Z',
  disposition: { kind: 'disable_then_delete', graceDays: 30 },
  successorSlackUserId: 'U05SUCC',
  ticket: 'HR-4521',
  notes: 'Last day Friday; hand over the billing dashboards.',
  createdAt: '2025-03-04T09:00:00.000Z',
  status: 'completed',
  decision: { outcome: 'approved', by: 'U09SEC', at: '2025-03-04T09:05:00.000Z' },
};
const people = { U09SEC: 'Priya Shah', U05SUCC: 'Tom Becker', U03EVE: 'Eve Martin' };

const uuid = (n: number) => `7c1d2e3f-4a5b-4c6d-8e7f-${String(n).padStart(12, '0')}`;

/** Realistic per-step findings: what the IBM Cloud connector would report for Jane. */
function findingsFor(ref: StepRef, n: number): Finding[] {
  const tag = ref.scope === PROD ? 'prod' : 'dev';
  switch (ref.step) {
    case 'api-keys':
      return [{ id: `ApiKey-${uuid(n)}`, label: `jane-cli-${tag}` }];
    case 'access-groups':
      return [
        { id: `AccessGroupId-${uuid(n)}`, label: `Developers ${tag}` },
        { id: `AccessGroupId-${uuid(n + 1)}`, label: `Billing viewers ${tag}` },
      ];
    case 'policies':
      return ref.scope === DEV ? [] : [{ id: uuid(n), label: 'Editor on Cloud Object Storage' }];
    default:
      return [{ id: 'IBMid-6620012ABC', label: 'jane.doe@acme.example' }];
  }
}

class Trail {
  readonly records: AuditRecord[] = [];
  private t = Date.parse('2025-03-04T09:00:00.000Z');

  add(event: AuditEvent, afterMs = 1000): this {
    this.t += afterMs;
    this.records.push({ ...event, seq: `${this.t}-0`, at: new Date(this.t).toISOString() });
    return this;
  }
}

interface RunOptions {
  failStep?: string;
  retryStep?: string;
  refusedBeforeApproval?: boolean;
}

/** A run over two IBM accounts, approved by Priya, every step verified unless told otherwise. */
function run(opts: RunOptions = {}): { trail: AuditRecord[]; transactions: string[]; removed: string[] } {
  const trail = new Trail()
    .add({ type: 'request.submitted', actor: 'U02MGR', request: { ...request, status: 'pending', decision: undefined } }, 0);
  if (opts.refusedBeforeApproval) {
    trail.add({ type: 'approval.refused', actor: 'U07JANE', action: 'approve', reason: 'The person leaving cannot approve their own offboarding' });
  }
  trail
    .add({ type: 'request.approved', actor: 'U09SEC' }, 300_000)
    .add({ type: 'run.planned', round: 1, steps: PLAN, startsAt: '2025-03-04T17:00:00.000Z' });
  const transactions: string[] = [];
  const removed: string[] = [];
  const failed: string[] = [];
  PLAN.forEach((ref, i) => {
    const id = stepId(ref);
    const found = findingsFor(ref, 100 + i * 10);
    trail.add({ type: 'step.started', stepId: id, attempt: 1 }).add({ type: 'step.inventoried', stepId: id, found, ...(found.length ? {} : { note: 'No direct policies for this IAM id' }) });
    if (id === opts.retryStep) {
      trail
        .add({ type: 'step.retrying', stepId: id, attempt: 1, error: 'IAM Identity API returned 429 Too Many Requests', retryInMs: 5000 })
        .add({ type: 'step.started', stepId: id, attempt: 2 }, 5000);
    }
    if (id === opts.failStep) {
      trail.add({ type: 'step.failed', stepId: id, attempt: 1, error: '403 Forbidden: the operator lacks the Administrator role on Access groups' });
      failed.push(id);
      return;
    }
    if (!found.length) {
      trail.add({ type: 'step.verified', stepId: id, checks: 1, firstConfirmedAt: new Date(Date.parse('2025-03-04T17:00:00Z') + i * 1000).toISOString(), elapsedMs: 0 });
      return;
    }
    const transactionId = `txn-${uuid(900 + i)}`;
    const changes: Change[] = found.map((f, k) => ({ id: f.id, label: f.label, outcome: k === 1 ? 'already_absent' : 'removed' }));
    transactions.push(transactionId);
    removed.push(...found.map((f) => f.id));
    trail
      .add({ type: 'step.acted', stepId: id, transactionId, changes })
      .add({ type: 'step.verified', stepId: id, checks: 3, firstConfirmedAt: '2025-03-04T17:02:10.000Z', elapsedMs: 4200 }, 4200);
  });
  trail.add({ type: 'run.finished', round: 1, outcome: failed.length ? 'failures' : 'verified', failedSteps: failed });
  return { trail: trail.records, transactions, removed };
}

async function pdfText(input: Partial<EvidenceInput> & Pick<EvidenceInput, 'trail'>) {
  const buf = await renderEvidenceReport({
    request,
    generatedAt: new Date('2025-03-05T08:00:00.000Z'),
    accountNames: ACCOUNTS,
    people,
    ...input,
  });
  const pdf = await getDocumentProxy(new Uint8Array(buf));
  const { text } = await extractText(pdf, { mergePages: true });
  return { buf, pages: pdf.numPages, text: text.replace(/\s+/g, ' ') };
}

/** The block of text describing one step, up to the next step title or section. */
function stepBlock(text: string, title: string, account: string): string {
  const start = text.indexOf(`${account} (`);
  const from = text.indexOf(`${title}:`, start);
  expect(from).toBeGreaterThan(-1);
  const next = text.slice(from + 1).search(/(API keys|Access groups|Access policies|Account membership): [A-Z]{4,}|IBM Cloud — |Audit trail/);
  return text.slice(from, next === -1 ? undefined : from + 1 + next);
}

describe('evidence report', () => {
  it('documents a fully verified run: request, person, approver, every step, removed item and transaction', async () => {
    const { trail, transactions, removed } = run();
    const { buf, text } = await pdfText({ trail });

    expect(buf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(text).toContain('Offboarding evidence report');
    expect(text).toContain('OFF-7K3QX');
    expect(text).toContain('2025-03-05T08:00:00.000Z');
    expect(text).toContain('All steps verified');
    expect(text).toContain('Jane Doe');
    expect(text).toContain('jane.doe@acme.example');
    expect(text).toContain('U07JANE');
    expect(text).toContain('Resignation');
    expect(text).toContain('Disable now, delete after 30 days');
    expect(text).toContain('Tom Becker (U05SUCC)');
    expect(text).toContain('HR-4521');
    expect(text).toMatch(/Approved by Priya Shah \(U09SEC\) at 2025-03-04T09:0\d:\d\d\.000Z/);
    expect(text).toContain('Acme Production');
    expect(text).toContain('Acme Development');
    for (const [, title] of STEPS) {
      expect(stepBlock(text, title, 'Acme Production')).toContain(`${title}: VERIFIED`);
      expect(stepBlock(text, title, 'Acme Development')).toContain(`${title}: VERIFIED`);
    }
    for (const id of removed) expect(text).toContain(id);
    for (const tx of transactions) expect(text).toContain(tx);
    expect(text).toContain('removed');
    expect(text).toContain('already absent');
    expect(text).toContain('3 read-back checks');
    expect(stepBlock(text, 'Access policies', 'Acme Development')).toContain('Nothing found: No direct policies for this IAM id');
    expect(text).toContain('PS-4');
    expect(text).toContain('CC6.2');
    expect(text).toContain('A 5.18');
    expect(text).toContain('up to 1 h on IBM Cloud');
    expect(text).toMatch(/Page 1 of \d+/);
  });

  it('shows a failed step as FAILED with its error while the other steps stay verified', async () => {
    const failing = stepId({ system: 'ibm-cloud', scope: DEV, step: 'access-groups' });
    const { trail } = run({ failStep: failing });
    const { text } = await pdfText({ trail });

    expect(text).toContain('1 step(s) failed');
    expect(text).not.toContain('All steps verified');
    const block = stepBlock(text, 'Access groups', 'Acme Development');
    expect(block).toContain('Access groups: FAILED');
    expect(block).toContain('FAILED on attempt 1');
    expect(block).toContain('403 Forbidden: the operator lacks the Administrator role on Access groups');
    expect(block).toContain('Not verified');
    expect(stepBlock(text, 'Access groups', 'Acme Production')).toContain('Access groups: VERIFIED');
    expect(stepBlock(text, 'API keys', 'Acme Development')).toContain('API keys: VERIFIED');
    expect(stepBlock(text, 'Account membership', 'Acme Development')).toContain('Account membership: VERIFIED');
  });

  it('falls back to the step states for the outcome when the run has not finished', async () => {
    const failing = stepId({ system: 'ibm-cloud', scope: PROD, step: 'policies' });
    const { trail } = run({ failStep: failing });
    const { text } = await pdfText({ trail: trail.filter((e) => e.type !== 'run.finished') });
    expect(text).toContain('1 step(s) failed');
  });

  it('lists retries with the error that caused them and the delay', async () => {
    const retried = stepId({ system: 'ibm-cloud', scope: PROD, step: 'api-keys' });
    const { trail } = run({ retryStep: retried });
    const { text } = await pdfText({ trail });

    const block = stepBlock(text, 'API keys', 'Acme Production');
    expect(block).toContain('API keys: VERIFIED');
    expect(block).toContain('Attempts 2, 1 retry');
    expect(block).toMatch(/Attempt 1 at \S+: IAM Identity API returned 429 Too Many Requests; retried after 5 s/);
    expect(stepBlock(text, 'API keys', 'Acme Development')).toContain('no retries');
  });

  it('records a refused approval attempt with who tried and why', async () => {
    const { trail } = run({ refusedBeforeApproval: true });
    const { text } = await pdfText({ trail });

    expect(text).toContain('Refused approval attempts');
    expect(text).toContain('Jane Doe (U07JANE)');
    expect(text).toContain('The person leaving cannot approve their own offboarding');
    expect(text).toContain('Refused to approve');
  });

  it('flows a long trail over several numbered pages and keeps the last event', async () => {
    const trail = new Trail().add({ type: 'request.submitted', actor: 'U02MGR', request }, 0).add({ type: 'request.approved', actor: 'U09SEC' });
    trail.add({ type: 'run.planned', round: 1, steps: PLAN, startsAt: '2025-03-04T17:00:00.000Z' });
    const id = stepId(PLAN[0]!);
    for (let i = 1; trail.records.length < 299; i++) {
      trail.add({ type: 'step.retrying', stepId: id, attempt: i, error: `IAM timeout number ${i}`, retryInMs: 1000 });
    }
    trail.add({ type: 'report.published', round: 1, fileId: 'F0LASTEVENT', filename: 'offboarding-evidence-OFF-7K3QX.pdf' });
    expect(trail.records).toHaveLength(300);

    const { text, pages } = await pdfText({ trail: trail.records });
    expect(pages).toBeGreaterThan(3);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(text).toContain('IAM timeout number 296');
    expect(text).toContain('F0LASTEVENT');
    expect(text.indexOf('F0LASTEVENT')).toBeGreaterThan(text.indexOf('IAM timeout number 296'));
    expect(text).toContain('Controls');
  });

  it('never prints a Slack token pasted into the notes or an error', async () => {
    const { trail } = run({ failStep: stepId(PLAN[0]!) });
    const failed = trail.find((e) => e.type === 'step.failed');
    if (failed?.type === 'step.failed') failed.error = 'auth failed with apikey=Zx9Qm2LkP0aB7cD4eF6gH8iJ1kL3mN5oP7qR9sT2uV4w';
    const { text } = await pdfText({ trail, request: { ...request, notes: 'Bot token for handover: xoxb-123-456-abc' } });

    expect(text).toContain('Bot token for handover');
    expect(text).not.toContain('xoxb-123-456-abc');
    expect(text).not.toContain('123-456-abc');
    expect(text).not.toContain('Zx9Qm2LkP0aB7cD4eF6gH8iJ1kL3mN5oP7qR9sT2uV4w');
    expect(text).toContain('[redacted');
  });

  it('redacts secret-looking values but keeps identifiers', () => {
    expect(redact('token xoxp-1-2-3 and xoxa-9')).not.toMatch(/xox[pa]-/);
    expect(redact('key Zx9Qm2LkP0aB7cD4eF6gH8iJ1kL3mN5oP7qR9sT2uV4w')).toBe('key [redacted]');
    const ids = `ApiKey-${uuid(1)} ${PROD} IBMid-6620012ABC txn-${uuid(2)}`;
    expect(redact(ids)).toBe(ids);
  });

  it('names the file after the request', () => {
    expect(evidenceFilename(request)).toBe('offboarding-evidence-OFF-7K3QX.pdf');
  });
});
