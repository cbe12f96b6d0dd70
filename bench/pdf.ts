/**
 * The evidence pack (canonical JSON + PDF) of audit trails of growing size, 500 entries among them,
 * made the way production makes it: on the render thread. For each: render time, PDF size and
 * pages, and the longest stall of this (the calling) thread's event loop meanwhile. Reference rows:
 * the 500-entry pack drawn on the calling thread (what a process answering Slack would stall), and
 * bare pdfkit setting the same text with its own line breaking. Needs no Redis. Prints figures;
 * asserts nothing.
 *
 *   npm run bench:pdf
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import PDFDocument from 'pdfkit';
import { extractText, getDocumentProxy } from 'unpdf';
import { linkEntries } from '../src/audit/audit-chain.js';
import { recordsOf, runView } from '../src/runs/run-view.js';
import type { StepRef } from '../src/connectors/step-ref.js';
import { renderEvidencePack } from '../src/evidence/evidence-pdf.js';
import { defaultFont } from '../src/evidence/pdf-fonts.js';
import { renderJobs, type PackJob } from '../src/evidence/render-jobs.js';
import { renderThread } from '../src/evidence/render-thread.js';
import { checklistMessage } from '../src/slack/blocks/checklist-message.js';
import { sampleRequest } from '../test/support/sample-request.js';

const request = sampleRequest({
  id: 'OFF-BENCH1',
  reason: 'termination',
  status: 'completed',
  subject: { slackUserId: 'U0JANE001', name: 'Zoë Łukasiewicz 李小龙 Дмитрий', email: 'zoe@acme.example' },
});
const GENERATOR = { name: 'offboard-bot', version: 'bench', commit: 'bench' };
const TARGET = { ms: 500, kib: 300 };
/** monitorEventLoopDelay's timer period: a delay it records includes one period, taken off below. */
const RESOLUTION_MS = 1;

/** Names in the scripts that need their own fonts and shaping (Thai, Indic, emoji): see `every-script.test.ts`. */
const EVERY_SCRIPT = [
  { id: 'U0ALEX001', name: 'स्मिता क्षत्रिय สมชาย ใจดี' },
  { id: 'U0RILEY01', name: 'সৌমিত্র চট্টোপাধ্যায় கார்த்திக்' },
  { id: 'U0MORGAN1', name: 'Արամ Խաչատրյան გიორგი 👩‍💻' },
];

/** A run over `accounts` accounts in which the person holds `items` things per step. */
function trail(accounts: number, items: number, people = [{ id: 'U0ALEX001', name: 'Alex Admin' }]) {
  const steps: StepRef[] = [];
  for (let a = 0; a < accounts; a++) {
    for (const [step, title] of [
      ['api-keys', 'API keys'],
      ['access-groups', 'Access groups'],
      ['policies', 'Direct access policies'],
      ['account-membership', 'Account membership'],
    ]) {
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
    const found = Array.from({ length: s.step === 'account-membership' ? 1 : items }, (_, i) => ({
      id: `${s.step}-${i}-5c7e2a1f`,
      label: `${s.title} item ${i}`,
    }));
    rec({ type: 'step.started', stepId, attempt: 1 });
    rec({ type: 'step.inventoried', stepId, found });
    rec({ type: 'step.acted', stepId, transactionId: `offboard-OFF-BENCH1-${stepId}-a1`, changes: found.map((f) => ({ ...f, outcome: 'removed' })) });
    rec({ type: 'step.verified', stepId, checks: 3, firstConfirmedAt: at(), elapsedMs: 1500 });
  }
  rec({ type: 'run.finished', round: 1, outcome: 'verified', failedSteps: [] });
  rec({ type: 'people.named', people });
  return linkEntries(request.id, records);
}

const job = (accounts: number, items: number, people?: Array<{ id: string; name: string }>): PackJob => ({
  requestId: request.id,
  round: 1,
  entries: trail(accounts, items, people),
  generator: GENERATOR,
});

const pagesOf = (pdf: Buffer) => Number(/\/Type \/Pages\b[^>]*?\/Count (\d+)/.exec(pdf.toString('latin1'))?.[1] ?? 0);
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

interface Row {
  label: string;
  entries: number;
  ms: number[];
  kib: number;
  jsonKib?: number;
  pages: number;
  stallMs: number;
}

/** Runs `render` `runs` times, timing each, with the event loop of this thread watched throughout. */
async function measure(label: string, entries: number, runs: number, render: () => Promise<{ pdf: Buffer; json?: string }>): Promise<Row> {
  const ms: number[] = [];
  let last: { pdf: Buffer; json?: string } | undefined;
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    last = await render();
    ms.push(performance.now() - started);
    // A stall is recorded when the loop next runs its timers: let it, before the next render.
    await sleep(2 * RESOLUTION_MS);
  }
  delay.disable();
  const stallMs = Math.max(0, delay.max / 1e6 - RESOLUTION_MS);
  return { label, entries, ms, kib: last!.pdf.length / 1024, jsonKib: last!.json ? last!.json.length / 1024 : undefined, pages: pagesOf(last!.pdf), stallMs };
}

function print(row: Row): void {
  const cells = [
    row.label.padEnd(46),
    String(row.entries).padStart(7),
    String(row.ms.length).padStart(4),
    percentile(row.ms, 50).toFixed(0).padStart(7),
    Math.max(...row.ms)
      .toFixed(0)
      .padStart(7),
    row.kib.toFixed(0).padStart(7),
    String(row.pages).padStart(5),
    (row.jsonKib === undefined ? '-' : row.jsonKib.toFixed(0)).padStart(7),
    row.stallMs.toFixed(1).padStart(9),
  ];
  console.log(cells.join(' '));
}

/** Bare pdfkit: the PDF's own text, set with pdfkit's line breaking in one embedded font, nothing else. */
async function barePdfkit(text: string): Promise<{ pdf: Buffer }> {
  const doc = new PDFDocument({ size: 'A4', margins: { top: 50, bottom: 72, left: 45, right: 45 }, font: defaultFont() as unknown as string });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
  });
  doc.fontSize(7).text(text);
  doc.end();
  return { pdf: await done };
}

console.log(`node ${process.version}; the pack is made on the render thread (a worker thread), as in production.`);
console.log("stall = the longest this thread's event loop waited meanwhile (monitorEventLoopDelay, 1 ms resolution)\n");
console.log(
  ['trail'.padEnd(46), 'entries', 'runs', 'p50 ms', 'max ms', 'PDF KiB', 'pages', 'JSONKiB', 'stall ms']
    .map((h, i) => (i ? h.padStart([7, 4, 7, 7, 7, 5, 7, 9][i - 1]!) : h))
    .join(' '),
);

const main = job(31, 10);
// The first pack starts the render thread: it loads pdfkit and parses the fonts once.
const cold = await measure('500 entries, first pack (starts the thread)', main.entries.length, 1, () => renderEvidencePack(main));
print(cold);
for (const [label, accounts, items, runs] of [
  ['1 account, 5 items per step', 1, 5, 5],
  ['2 accounts, 20 items per step', 2, 20, 5],
  ['10 accounts, 50 items per step', 10, 50, 3],
] as const) {
  const input = job(accounts, items);
  print(await measure(label, input.entries.length, runs, () => renderEvidencePack(input)));
}
const warm = await measure('31 accounts, 10 items per step', main.entries.length, 10, () => renderEvidencePack(main));
print(warm);
const scripts = job(31, 10, EVERY_SCRIPT);
print(await measure('the same, with Thai, Indic, emoji, … names', scripts.entries.length, 5, () => renderEvidencePack(scripts)));
const large = job(50, 100);
print(await measure('50 accounts, 100 items per step', large.entries.length, 1, () => renderEvidencePack(large)));
await renderThread.close();

console.log('\nreference, 500 entries:');
await renderJobs.pack(main); // this thread's own warm-up: fonts parsed, code compiled
const inline = await measure('drawn on the calling thread (no worker)', main.entries.length, 5, () => renderJobs.pack(main));
print(inline);
const { text } = await extractText(await getDocumentProxy(new Uint8Array((await renderJobs.pack(main)).pdf)), { mergePages: true });
await barePdfkit(text);
print(await measure('bare pdfkit, the same text, one font', main.entries.length, 5, () => barePdfkit(text)));

const records = recordsOf(main.entries);
const checklistStarted = performance.now();
for (let i = 0; i < 20; i++) checklistMessage(request, runView(records));
console.log(`\nchecklist message from the same trail (main thread, for comparison): ${((performance.now() - checklistStarted) / 20).toFixed(2)} ms`);

const p50 = percentile(warm.ms, 50);
const stall = Math.max(cold.stallMs, warm.stallMs);
console.log(
  `\nsummary: ${main.entries.length}-event PDF ${(p50 / 1000).toFixed(2)} s (target ≤ ${TARGET.ms / 1000} s), ${warm.kib.toFixed(0)} KiB (≤ ${TARGET.kib} KiB), longest event-loop stall ${stall.toFixed(0)} ms` +
    ` (first pack, starting the thread: ${(cold.ms[0]! / 1000).toFixed(2)} s; on the calling thread: stall ${inline.stallMs.toFixed(0)} ms)`,
);
