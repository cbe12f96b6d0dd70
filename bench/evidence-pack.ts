/**
 * How long the evidence pack (canonical JSON + PDF) takes to render from audit trails of growing
 * size, 500 entries among them, and how large it is. Prints figures; asserts nothing.
 *
 *   npm run bench
 */
import { canonicalJson, linkEntries, sha256Hex } from '../src/audit/audit-chain.js';
import { recordsOf, buildEvidencePack } from '../src/evidence/evidence-pack.js';
import { renderEvidencePdf } from '../src/evidence/evidence-pdf.js';
import { stepProgress } from '../src/checklist/step-progress.js';
import type { StepRef } from '../src/connectors/step-ref.js';
import { checklistMessage } from '../src/slack/blocks/checklist-message.js';
import { sampleRequest } from '../test/support/sample-request.js';

const request = sampleRequest({ id: 'OFF-BENCH1', reason: 'termination', status: 'completed', subject: { slackUserId: 'U0JANE001', name: 'Zoë Łukasiewicz 李小龙 Дмитрий', email: 'zoe@acme.example' } });
const GENERATOR = { name: 'offboard-bot', version: 'bench', commit: 'bench' };

/** A run over `accounts` accounts in which the person holds `items` things per step. */
function trail(accounts: number, items: number) {
  const steps: StepRef[] = [];
  for (let a = 0; a < accounts; a++) {
    for (const [step, title] of [['api-keys', 'API keys'], ['access-groups', 'Access groups'], ['policies', 'Direct access policies'], ['account-membership', 'Account membership']]) {
      steps.push({ system: 'ibm-cloud', scope: a.toString(16).padStart(32, '0'), step: step!, title: title!, systemTitle: 'IBM Cloud', scopeNoun: 'account' });
    }
  }
  let seq = 0;
  const at = () => new Date(Date.parse('2026-11-23T10:00:00Z') + seq * 10).toISOString();
  const records: { seq: string; at: string; event: object }[] = [];
  const rec = (event: object) => records.push({ seq: `${++seq}-0`, at: at(), event });
  rec({ type: 'request.submitted', actor: 'U0MORGAN1', request });
  rec({ type: 'request.approved', actor: 'U0ALEX001', approvers: ['U0ALEX001', 'U0RILEY01'] });
  rec({ type: 'run.planned', round: 1, steps, startsAt: at() });
  for (const s of steps) {
    const stepId = `${s.system}.${s.scope}.${s.step}`;
    const found = Array.from({ length: s.step === 'account-membership' ? 1 : items }, (_, i) => ({ id: `${s.step}-${i}-5c7e2a1f`, label: `${s.title} item ${i}` }));
    rec({ type: 'step.started', stepId, attempt: 1 });
    rec({ type: 'step.inventoried', stepId, found });
    rec({ type: 'step.acted', stepId, transactionId: `offboard-OFF-BENCH1-${stepId}-a1`, changes: found.map((f) => ({ ...f, outcome: 'removed' })) });
    rec({ type: 'step.verified', stepId, checks: 3, firstConfirmedAt: at(), elapsedMs: 1500 });
  }
  rec({ type: 'run.finished', round: 1, outcome: 'verified', failedSteps: [] });
  return linkEntries(request.id, records);
}

async function render(entries: ReturnType<typeof trail>) {
  const pack = buildEvidencePack({ requestId: request.id, round: 1, entries, people: { U0ALEX001: 'Alex Admin' }, generator: GENERATOR });
  const json = canonicalJson(pack);
  const pdf = await renderEvidencePdf(pack, { jsonSha256: sha256Hex(json) });
  return { json: json.length, pdf: pdf.length };
}

async function measure(label: string, accounts: number, items: number, runs: number) {
  const entries = trail(accounts, items);
  await render(entries); // warm-up: the fonts are parsed once per process
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let size = { json: 0, pdf: 0 };
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) size = await render(entries);
  const ms = Number(process.hrtime.bigint() - started) / 1e6 / runs;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  const records = recordsOf(entries);
  const checklistStarted = process.hrtime.bigint();
  for (let i = 0; i < runs * 10; i++) checklistMessage(request, stepProgress(records), records);
  const checklistMs = Number(process.hrtime.bigint() - checklistStarted) / 1e6 / (runs * 10);
  console.log(
    `${label.padEnd(34)} ${String(entries.length).padStart(6)} entries  pack ${ms.toFixed(0).padStart(6)} ms, PDF ${(size.pdf / 1024).toFixed(0).padStart(5)} KiB, JSON ${(size.json / 1024).toFixed(0).padStart(5)} KiB, heap +${heapMb.toFixed(1)} MiB  checklist ${checklistMs.toFixed(2)} ms`,
  );
}

console.log(`node ${process.version}; each figure is the mean of several renders`);
await measure('1 account, 5 items per step', 1, 5, 5);
await measure('2 accounts, 20 items per step', 2, 20, 5);
await measure('10 accounts, 50 items per step', 10, 50, 3);
await measure('31 accounts, 10 items per step', 31, 10, 2);
await measure('50 accounts, 100 items per step', 50, 100, 1);
