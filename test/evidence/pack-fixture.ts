import { ibmCloud } from '../../src/connectors/ibm-cloud/system.js';
import type { AuditEvent, Phase } from '../../src/audit/audit-event.js';
import { linkEntries, type ChainEntry } from '../../src/audit/audit-chain.js';
import type { Change, Finding } from '../../src/connectors/connector.js';
import { stepId, type StepRef } from '../../src/connectors/step-ref.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { stepCode } from '../../src/runs/step-job.js';

export const PROD = '4f1c2b7a9e3d4c5b8a6f0e1d2c3b4a59';
export const DEV = '9b8a7c6d5e4f30211a2b3c4d5e6f7081';
const STEPS: Array<[string, string]> = [
  ['api-keys', 'API keys'],
  ['access-groups', 'Access groups'],
  ['policies', 'Access policies'],
  ['account-membership', 'Account membership'],
];
export const PLAN: StepRef[] = [PROD, DEV].flatMap((scope) =>
  STEPS.map(([step, title]) => ({ system: 'ibm-cloud', scope, step, title, systemTitle: 'IBM Cloud', scopeNoun: 'account' })),
);

/** A name in every script the report must print: Latin Extended, Greek, Cyrillic, Hebrew, Arabic, Chinese, Japanese, Korean. */
export const NAMES = {
  subject: 'Zoë Łukasiewicz 李小龙 Дмитрий',
  requester: 'Σωκράτης Παπαδόπουλος',
  approver: 'דוד כהן',
  successor: 'محمد علي',
  compliance: '山田 太郎',
  other: '김민준',
} as const;

export const request: OffboardRequest = {
  id: 'OFF-7K3QX0',
  subject: { slackUserId: 'U07JANE', name: NAMES.subject, email: 'zoe@acme.example' },
  requester: { slackUserId: 'U02MGR', name: NAMES.requester },
  reason: 'resignation',
  effectiveAt: '2025-03-04T17:00:00.000Z',
  disposition: { kind: 'disable_then_delete', graceDays: 30 },
  successorSlackUserId: 'U05SUCC',
  ticket: 'HR-4521',
  notes: 'Last day Friday; hand over the billing dashboards.',
  createdAt: '2025-03-04T09:00:00.000Z',
  status: 'pending',
};
export const people = {
  U09SEC: NAMES.approver,
  U05SUCC: NAMES.successor,
  U08COMP: NAMES.compliance,
  U02MGR: NAMES.requester,
  U07JANE: NAMES.subject,
  U06KIM: NAMES.other,
};

const uuid = (n: number) => `7c1d2e3f-4a5b-4c6d-8e7f-${String(n).padStart(12, '0')}`;

function findingsFor(ref: StepRef, n: number): Finding[] {
  switch (ref.step) {
    case 'api-keys':
      return [{ id: `ApiKey-${uuid(n)}`, label: 'zoe-cli' }];
    case 'access-groups':
      return [
        { id: `AccessGroupId-${uuid(n)}`, label: 'Developers' },
        { id: `AccessGroupId-${uuid(n + 1)}`, label: 'Billing viewers' },
      ];
    case 'policies':
      return ref.scope === DEV ? [] : [{ id: uuid(n), label: 'Editor on Cloud Object Storage' }];
    default:
      return [{ id: 'IBMid-6620012ABC', label: 'zoe@acme.example' }];
  }
}

export interface RunOptions {
  failStep?: string;
  retryStep?: string;
  /** Extra events at the end (e.g. a lifecycle event type the pack must still show). */
  extra?: AuditEvent[];
  /** Steps per account beyond the four: pads the trail for pagination. */
  padding?: number;
  /** Rounds after the first, in order, each run to its end (after `extra`). */
  later?: LaterRound[];
}

/**
 * A round after the first as the bot writes it: `graceEndedBy` ends the grace period first (the
 * deletion then starts on the schedule's behalf); `failStep` fails in it; transaction ids are the
 * bot's own (`offboard-<request>-<step code>-r<round>-a1`).
 */
export interface LaterRound {
  phase: Phase;
  by: string;
  graceEndedBy?: string;
  steps?: StepRef[];
  failStep?: string;
}

export interface Run {
  entries: ChainEntry[];
  transactions: string[];
}

/** A run over two IBM accounts, approved by the approver, every step verified unless told otherwise. */
export function run(opts: RunOptions = {}): Run {
  let t = Date.parse('2025-03-04T09:00:00.000Z');
  const records: { seq: string; at: string; event: object }[] = [];
  const add = (event: AuditEvent | Record<string, unknown>, afterMs = 1000) => {
    t += afterMs;
    records.push({ seq: `${t}-0`, at: new Date(t).toISOString(), event });
  };
  add({ type: 'request.submitted', actor: 'U02MGR', request }, 0);
  add({ type: 'approval.refused', actor: 'U07JANE', action: 'approve', reason: 'You cannot decide on your own offboarding.' });
  add({ type: 'request.approved', actor: 'U09SEC', approvers: ['U09SEC', 'U06KIM', 'U08COMP'] }, 300_000);
  add({ type: 'run.planned', round: 1, steps: PLAN, startsAt: '2025-03-04T17:00:00.000Z', phase: 'disable', notCovered: ibmCloud.notCovered });
  const transactions: string[] = [];
  const failed: string[] = [];
  PLAN.forEach((ref, i) => {
    const id = stepId(ref);
    const found = findingsFor(ref, 100 + i * 10);
    add({ type: 'step.started', stepId: id, attempt: 1 });
    add({ type: 'step.inventoried', stepId: id, found, ...(found.length ? {} : { note: 'No direct policies for this IAM id' }) });
    if (id === opts.retryStep) {
      add({ type: 'step.retrying', stepId: id, attempt: 1, error: 'IAM Identity API returned 429 Too Many Requests', retryInMs: 5000 });
      add({ type: 'step.started', stepId: id, attempt: 2 }, 5000);
    }
    if (id === opts.failStep) {
      add({ type: 'step.failed', stepId: id, attempt: 1, error: '403 Forbidden: the operator lacks the Administrator role on Access groups' });
      failed.push(id);
      return;
    }
    if (!found.length) {
      add({ type: 'step.verified', stepId: id, checks: 1, firstConfirmedAt: new Date(t).toISOString(), elapsedMs: 0 });
      return;
    }
    const transactionId = `offboard-${request.id}-${id}-a1`;
    const changes: Change[] = found.map((f, k) => ({ id: f.id, label: f.label, outcome: k === 1 ? 'already_absent' : 'removed' }));
    transactions.push(transactionId);
    add({ type: 'step.acting', stepId: id, transactionId, itemIds: found.map((f) => f.id) });
    add({ type: 'step.acted', stepId: id, transactionId, changes });
    add({ type: 'step.verified', stepId: id, checks: 3, firstConfirmedAt: new Date(t + 4000).toISOString(), elapsedMs: 4200 }, 4200);
  });
  for (let p = 0; p < (opts.padding ?? 0); p++)
    add({ type: 'step.retrying', stepId: stepId(PLAN[p % PLAN.length]!), attempt: p + 2, error: `padding retry ${p}`, retryInMs: 1000 });
  add({ type: 'run.finished', round: 1, outcome: failed.length ? 'failures' : 'verified', failedSteps: failed });
  // As the publisher records them before a pack is rendered: the chain covers the names the PDF prints.
  add({ type: 'people.named', people: Object.entries(people).map(([id, name]) => ({ id, name })) });
  for (const e of opts.extra ?? []) add(e);
  (opts.later ?? []).forEach((later, i) => {
    const round = i + 2;
    if (later.graceEndedBy) add({ type: 'grace.ended', actor: later.graceEndedBy }, 3_600_000);
    const steps = later.steps ?? PLAN;
    add({ type: 'run.planned', round, phase: later.phase, steps, startsAt: new Date(t + 1000).toISOString(), by: later.by }, 60_000);
    const failedHere: string[] = [];
    steps.forEach((ref, k) => {
      const id = stepId(ref);
      const found = findingsFor(ref, 100 + k * 10);
      add({ type: 'step.started', stepId: id, attempt: 1 });
      if (id === later.failStep) {
        add({ type: 'step.failed', stepId: id, attempt: 1, error: '403 Forbidden: the operator lacks the Administrator role' });
        failedHere.push(id);
        return;
      }
      const transactionId = `offboard-${request.id}-${stepCode(id)}-r${round}-a1`;
      const outcome = later.phase === 'reinstate' ? 'restored' : 'removed';
      transactions.push(transactionId);
      add({ type: 'step.acting', stepId: id, transactionId, itemIds: found.map((f) => f.id) });
      add({
        type: 'step.acted',
        stepId: id,
        transactionId,
        changes: found.map((f) => ({ id: f.id, label: f.label, outcome, ...(later.phase === 'reinstate' ? { detail: 're-created' } : {}) })),
      });
      add({ type: 'step.verified', stepId: id, checks: 1, firstConfirmedAt: new Date(t).toISOString(), elapsedMs: 0 });
    });
    add({ type: 'run.finished', round, outcome: failedHere.length ? 'failures' : 'verified', failedSteps: failedHere });
  });
  return { entries: linkEntries(request.id, records), transactions };
}

export const GENERATOR = { name: 'offboard-bot', version: '0.1.0', commit: '0123456789abcdef0123456789abcdef01234567' };
