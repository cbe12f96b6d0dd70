/**
 * How long the evidence PDF and the checklist take to render from a large audit trail, and how
 * much memory a render needs. Prints figures; asserts nothing (timings belong here, not in tests).
 *
 *   npm run bench
 */
import type { AuditRecord } from '../src/audit/audit-event.js';
import { stepProgress } from '../src/checklist/step-progress.js';
import type { StepRef } from '../src/connectors/step-ref.js';
import { renderEvidenceReport } from '../src/evidence/evidence-report.js';
import { checklistMessage } from '../src/slack/blocks/checklist-message.js';
import { sampleRequest } from '../test/support/sample-request.js';

const request = sampleRequest({ id: 'OFF-BENCH1', reason: 'termination', status: 'completed' });

/** A run over `accounts` accounts in which the person holds `items` things per step. */
function trail(accounts: number, items: number): AuditRecord[] {
  const steps: StepRef[] = [];
  for (let a = 0; a < accounts; a++) {
    for (const [step, title] of [['api-keys', 'API keys'], ['access-groups', 'Access groups'], ['policies', 'Direct access policies'], ['account-membership', 'Account membership']]) {
      steps.push({ system: 'ibm-cloud', scope: a.toString(16).padStart(32, '0'), step: step!, title: title! });
    }
  }
  let seq = 0;
  const at = () => new Date(Date.parse('2026-11-23T10:00:00Z') + seq * 10).toISOString();
  const rec = (e: object): AuditRecord => ({ ...(e as AuditRecord), seq: `${++seq}-0`, at: at() });
  const out: AuditRecord[] = [rec({ type: 'request.approved', actor: 'U0ALEX001' }), rec({ type: 'run.planned', round: 1, steps, startsAt: at() })];
  for (const s of steps) {
    const stepId = `${s.system}.${s.scope}.${s.step}`;
    const found = Array.from({ length: s.step === 'account-membership' ? 1 : items }, (_, i) => ({ id: `${s.step}-${i}-5c7e2a1f`, label: `${s.title} item ${i}` }));
    out.push(rec({ type: 'step.started', stepId, attempt: 1 }));
    out.push(rec({ type: 'step.inventoried', stepId, found }));
    out.push(rec({ type: 'step.acted', stepId, transactionId: `offboard-OFF-BENCH1-${stepId}-a1`, changes: found.map((f) => ({ ...f, outcome: 'removed' })) }));
    out.push(rec({ type: 'step.verified', stepId, checks: 3, firstConfirmedAt: at(), elapsedMs: 1500 }));
  }
  out.push(rec({ type: 'run.finished', round: 1, outcome: 'verified', failedSteps: [] }));
  return out;
}

async function measure(label: string, accounts: number, items: number, runs: number) {
  const t = trail(accounts, items);
  await renderEvidenceReport({ request, trail: t, generatedAt: new Date() }); // warm-up
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let pdfBytes = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) pdfBytes = (await renderEvidenceReport({ request, trail: t, generatedAt: new Date() })).length;
  const pdfMs = Number(process.hrtime.bigint() - started) / 1e6 / runs;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;

  const checklistStarted = process.hrtime.bigint();
  for (let i = 0; i < runs * 10; i++) checklistMessage(request, stepProgress(t), t);
  const checklistMs = Number(process.hrtime.bigint() - checklistStarted) / 1e6 / (runs * 10);

  console.log(
    `${label.padEnd(34)} ${String(t.length).padStart(6)} events  PDF ${pdfMs.toFixed(1).padStart(7)} ms, ${(pdfBytes / 1024).toFixed(0).padStart(5)} KiB, heap +${heapMb.toFixed(1)} MiB  checklist ${checklistMs.toFixed(2)} ms`,
  );
}

console.log(`node ${process.version}; each figure is the mean of several renders`);
await measure('1 account, 5 items per step', 1, 5, 10);
await measure('2 accounts, 20 items per step', 2, 20, 10);
await measure('10 accounts, 50 items per step', 10, 50, 3);
await measure('50 accounts, 100 items per step', 50, 100, 1);
