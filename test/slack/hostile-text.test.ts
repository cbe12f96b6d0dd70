import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import { runView } from '../../src/runs/run-view.js';
import type { StepRef } from '../../src/connectors/step-ref.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { appHome } from '../../src/slack/blocks/app-home.js';
import { approvalMessage } from '../../src/slack/blocks/approval-message.js';
import { cut, escapeText, section } from '../../src/slack/blocks/block-kit.js';
import { progressView, sendingView } from '../../src/slack/blocks/checking-view.js';
import { checklistMessage } from '../../src/slack/blocks/checklist-message.js';
import { rejectModal, rejectOutcomeView } from '../../src/slack/blocks/reject-modal.js';
import { requestModal } from '../../src/slack/blocks/request-modal.js';
import { FIELDS } from '../../src/slack/blocks/ids.js';
import { approvalLink, bulkSubmittedView, submittedView } from '../../src/slack/blocks/submitted-view.js';
import { readdirSync } from 'node:fs';
import type { BatchDecision } from '../../src/requests/batch-decision.js';
import type { RotationTask } from '../../src/runs/handed-over.js';
import type { StepProgress } from '../../src/runs/run-view.js';
import { approveConfirmModal, approveOutcomeView, approvingView } from '../../src/slack/blocks/approve-confirm-modal.js';
import { batchChecklistMessage } from '../../src/slack/blocks/batch-checklist.js';
import { leftLine } from '../../src/slack/blocks/block-budget.js';
import { checkingView } from '../../src/slack/blocks/checking-view.js';
import { handoverMessage } from '../../src/slack/blocks/handover-message.js';
import { itemLines, itemTaskBlocks } from '../../src/slack/blocks/item-tasks.js';
import { cancelModal, managingView, rescheduleModal } from '../../src/slack/blocks/manage-modals.js';
import { rejectingView } from '../../src/slack/blocks/reject-modal.js';
import { requestListReply, requestStatusReply } from '../../src/slack/blocks/request-replies.js';
import { requestRow } from '../../src/slack/blocks/request-rows.js';
import { rescanAlertText } from '../../src/slack/blocks/rescan-alert.js';
import { rotationNoteModal, rotationOutcomeView } from '../../src/slack/blocks/rotation-note-modal.js';
import { rotationBlocks } from '../../src/slack/blocks/rotation-tasks.js';
import { taskNoteModal, taskOutcomeView } from '../../src/slack/blocks/task-note-modal.js';
import {
  sweepActionFailed,
  sweepActionReply,
  sweepDigestMessage,
  sweepFailed,
  sweepLine,
  sweepNothingNew,
  sweepOverflowReply,
} from '../../src/connectors/ibm-cloud/sweep/sweep-digest.js';
import type { SweepItem } from '../../src/connectors/ibm-cloud/sweep/sweep-items.js';
import { vpcReviewLoadingView, vpcReviewModal } from '../../src/connectors/ibm-cloud/vpc/vpc-review-modal.js';
import { wellFormed, wellFormedDeep } from '../../src/well-formed.js';
import { CORPUS, expectSlackSafe, HOSTILE, MIXED } from '../support/hostile-text.js';
import { sampleRequest } from '../support/sample-request.js';

const AT = '2026-11-23T10:00:00.000Z';
const shape = [{ title: 'IBM Cloud', scopeNoun: 'account', scopes: ['a1b2c3d4e5f60718293a4b5c6d7e8f90'], touches: ['API keys', 'Account membership'] }];
const ref = (step: string): StepRef => ({
  system: 'ibm-cloud',
  systemTitle: 'IBM Cloud',
  scopeNoun: 'account',
  scope: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  step,
  title: step,
});
const id = (step: string) => `ibm-cloud.a1b2c3d4e5f60718293a4b5c6d7e8f90.${step}`;

/** A request whose every outside field (names, email, ticket, notes, the rejection reason) is `text`. */
function hostileRequest(text: string, overrides: Partial<OffboardRequest> = {}): OffboardRequest {
  return sampleRequest({
    subject: { slackUserId: 'U0JANE001', name: text, email: text },
    requester: { slackUserId: 'U0MORGAN1', name: text },
    ticket: text,
    notes: text,
    ...overrides,
  });
}

/** A finished round where IBM named everything `text`: found items, errors, residual access, a step and a re-scan that could not look. */
function hostileTrail(text: string): AuditRecord[] {
  const steps = ['api-keys', 'access-groups', 'policies', 'dynamic-groups', 'created-credentials'].map(ref);
  const events: Record<string, unknown>[] = [
    { type: 'run.planned', round: 1, steps, startsAt: AT, phase: 'disable' },
    { type: 'step.inventoried', stepId: id('api-keys'), found: [{ id: text, label: text, detail: text }], note: text },
    { type: 'step.failed', stepId: id('api-keys'), attempt: 3, error: text },
    { type: 'step.retrying', stepId: id('access-groups'), attempt: 1, error: text, retryInMs: 5000 },
    { type: 'step.inventoried', stepId: id('policies'), found: [], note: text },
    { type: 'step.verified', stepId: id('policies'), checks: 1, firstConfirmedAt: AT, elapsedMs: 0 },
    { type: 'step.residual', stepId: id('dynamic-groups'), items: [{ id: text, label: text, detail: text }], note: text },
    { type: 'step.inventoried', stepId: id('created-credentials'), found: [], unchecked: text },
    { type: 'step.unchecked', stepId: id('created-credentials'), reason: text },
    { type: 'run.finished', round: 1, outcome: 'failures', failedSteps: [id('api-keys')], uncheckedSteps: [id('created-credentials')] },
    { type: 'report.published', round: 1, fileId: 'F0REPORT1', filename: text },
    { type: 'rescan.done', phase: 'disable', afterMs: 3_600_000, findings: [], unchecked: [text, text] },
  ];
  return events.map((e, i) => ({ ...e, seq: `${i + 1}-0`, at: AT }) as unknown as AuditRecord);
}

/** Every message and view the builders make, from outside text `text`. */
function everyBuilder(text: string): [string, unknown][] {
  const request = hostileRequest(text);
  const short = text.slice(0, 100);
  const rejected = hostileRequest(text, { status: 'rejected', decision: { outcome: 'rejected', by: 'U0ALEX001', at: AT, reason: text } });
  const preview = {
    items: [
      { ref: ref('api-keys'), found: [{ id: text, label: text, detail: text }] },
      { ref: ref('policies'), found: [], error: text },
      { ref: ref('created-credentials'), found: [], unchecked: text },
    ],
    identities: [{ system: 'ibm-cloud', title: 'IBM Cloud', identities: [{ scope: 'a1', id: text, label: text, detail: text }] }],
  };
  const trail = hostileTrail(text);
  return [
    ['approval message, pending', approvalMessage(request, shape, preview)],
    ['approval message, rejected', approvalMessage(rejected, shape, preview)],
    ['approval message, checking', approvalMessage(request, shape)],
    ['checklist message', checklistMessage({ ...request, status: 'completed' }, runView(trail))],
    [
      'App Home, approver',
      appHome([request, { ...rejected, lastRescan: { at: AT, findings: 2 } } as OffboardRequest], {
        userId: 'U0ALEX001',
        isApprover: true,
        isCompliance: false,
      }),
    ],
    ['request modal with problems', requestModal({ problems: { [FIELDS.person]: text, [FIELDS.ticket]: text } })],
    [
      'request modal with answers',
      requestModal({ answers: { personId: 'U0JANE001', timing: 'now', disposition: 'disable_then_delete', ticket: short, notes: short } }),
    ],
    ['submitted view', submittedView(request, 'C0APPROVAL')],
    ['sending view', sendingView(text)],
    ['progress view', progressView('Checking…', escapeText(text))],
    ['reject modal', rejectModal(request.id, text)],
    ['reject outcome', rejectOutcomeView(`Rejected: ${escapeText(text)}`)],
    ...everyOtherBuilder(text),
  ];
}

const ACCOUNT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const STEP = id('service-id-keys');

/** A handed-over credential to rotate, every outside field `text`: open, closed as not needed, and rotated by the bot with a failure. */
function hostileTasks(text: string): RotationTask[] {
  const base = { where: text, label: text, id: text, stepId: STEP, link: text, lastUsed: AT, useCount: 3 };
  const at = { seq: '1-0', at: AT, stepId: STEP, itemId: text };
  return [
    { ...base, code: '000000000001' },
    { ...base, code: '000000000002', closed: { ...at, type: 'rotation.closed', actor: 'U0TAYLOR1', outcome: 'not_needed', note: text } as never },
    {
      ...base,
      code: '000000000003',
      bot: {
        requested: { ...at, type: 'rotation.requested', actor: 'U0TAYLOR1' },
        replaced: { ...at, type: 'rotation.replaced', replacementId: text, replacementName: text, replacementCreatedAt: AT, link: text },
        switches: [],
        holds: [],
        failed: { ...at, type: 'rotation.failed', error: text },
      } as never,
    },
  ];
}

/** Each builder made since the first corpus (and the small views), from outside text `text`. */
function everyOtherBuilder(text: string): [string, unknown][] {
  const request = hostileRequest(text);
  const rejected = hostileRequest(text, { status: 'rejected', decision: { outcome: 'rejected', by: 'U0ALEX001', at: AT, reason: text } });
  const view = runView(hostileTrail(text));
  const decision: BatchDecision = { batchId: text, outcome: 'approved', by: 'U0ALEX001', at: AT, members: [] };
  const items = [
    { id: text, label: text, link: text, attestation: { by: 'U0ALEX001', at: AT, outcome: 'not_applicable' as const, note: text } },
    { id: `${text}-2`, label: text, link: 'https://cloud.ibm.com/vpc-ext/compute/vs/us-south~0717/overview?bss_account=a1' },
  ];
  const step = { id: id('vpc-ssh-keys'), items } as unknown as StepProgress;
  const sweepItems: SweepItem[] = (['user', 'user-apikey', 'serviceid-apikey', 'serviceid', 'profile'] as const).map((kind) => ({
    kind,
    id: text,
    name: text,
    ...(kind === 'user' ? { email: text } : { owner: text }),
    lastAuthn: AT,
    disabledBy: 'U0ALEX001',
  }));
  return [
    ['approve confirmation', approveConfirmModal(request.id, text)],
    ['approve confirmation, mistyped', approveConfirmModal(request.id, text, true)],
    ['approve confirmation, bulk', approveConfirmModal(request.id, text, true, { id: text, count: 3, names: [text, text, text] })],
    ['approving view', approvingView(request.id)],
    ['approve outcome', approveOutcomeView(`Approved: ${escapeText(text)}`)],
    // Stored requests and trails hold well-formed text (made so where it comes in; their digests need it); the batch id and link are raw.
    [
      'batch checklist',
      batchChecklistMessage(text, decision, [
        { request: hostileRequest(wellFormed(text)), view: runView(hostileTrail(wellFormed(text))), link: text },
        { request: hostileRequest(wellFormed(text), { status: 'approved' }), view: runView([]), link: 'https://acme.slack.com/archives/C0APPROVAL/p1' },
      ]),
    ],
    ['block-budget overflow count', { blocks: leftLine([{ noun: 'open item', nouns: 'open items', tasks: 7 }], 'each is listed above') }],
    ['checking view', checkingView()],
    ['checklist, chain broken', checklistMessage({ ...request, status: 'completed' }, view, { chainBroken: text })],
    ['successor hand-over DM', handoverMessage(request, [{ where: text, label: text, id: text, link: text, lastUsed: AT, useCount: 12 }])],
    ['item-attested server lines', { blocks: [section(`*Servers*${itemLines(step)}`)] }],
    ['item-attested server buttons', { blocks: itemTaskBlocks(request.id, [step]).rows.map((r) => r.block) }],
    ['rotation tasks', { blocks: rotationBlocks(request.id, 'U0TAYLOR1', hostileTasks(text)) }],
    ['rotation note modal', rotationNoteModal(request.id, '000000000001', text)],
    ['rotation outcome', rotationOutcomeView(`Recorded: ${escapeText(text)}`)],
    ['task note modal', taskNoteModal(request.id, STEP, text, text)],
    ['task outcome', taskOutcomeView(`Recorded: ${escapeText(text)}`)],
    ['cancel modal', cancelModal(request.id, text)],
    ['cancel modal, bulk', cancelModal(request.id, text, 4)],
    ['reschedule modal', rescheduleModal(request.id, text, AT)],
    ['managing view', managingView('Cancel request', escapeText(text))],
    ['rejecting view', rejectingView(request.id)],
    ['/offboard list', requestListReply(`Requests about ${escapeText(text)} that you may see`, [request, rejected], '_None._')],
    ['/offboard status', requestStatusReply({ ...rejected, lastRescan: { at: AT, findings: 1 } } as OffboardRequest)],
    ['a request row', { blocks: [section(requestRow(request))] }],
    ['re-scan alert', { text: rescanAlertText(request, 'disable', 3_600_000, [{ item: { id: text, label: text }, why: text } as never]) }],
    [
      'bulk submitted view',
      bulkSubmittedView(
        [request, request],
        [{ name: text }, { name: text, open: { id: request.id, link: approvalLink({ channel: 'C0APPROVAL', ts: '1700000000.000100' }, 'acme') } }],
        'C0APPROVAL',
      ),
    ],
    ['sweep digest', sweepDigestMessage({ account: ACCOUNT, items: sweepItems, inactiveDays: 30, reportEnd: AT })],
    ['sweep overflow reply', sweepOverflowReply(ACCOUNT, sweepItems)],
    ['sweep line', { blocks: [section(sweepLine(sweepItems[0]!))] }],
    ['sweep, nothing new', sweepNothingNew(ACCOUNT)],
    ['sweep Disable outcome', sweepActionReply({ action: 'disabled', actor: 'U0ALEX001', account: ACCOUNT, kind: 'serviceid', id: text, name: text, keys: 2 })],
    ['sweep failed', sweepFailed(ACCOUNT, text)],
    ['sweep action failed', sweepActionFailed({ action: 'disable', kind: 'serviceid', id: text, reason: text })],
    ['VPC review, loading', vpcReviewLoadingView(ACCOUNT)],
    [
      'VPC review modal',
      vpcReviewModal({
        requestId: request.id,
        accountId: ACCOUNT,
        person: text,
        email: text,
        // IBM Cloud's answers are made well-formed where they come in (IbmCloudClient's call).
        keys: [{ key: { id: wellFormed(text), name: wellFormed(text), region: 'us-south', comment: wellFormed(text) }, servers: 2 }],
        selected: new Set(),
      }),
    ],
  ];
}

describe('outside text in every Slack message and view the builders make', () => {
  for (const [name, text] of Object.entries({ ...HOSTILE, mixed: MIXED })) {
    it(`${name}: every text is well-formed, escaped and within Slack's limits`, () => {
      for (const [where, message] of everyBuilder(text)) expectSlackSafe(where, message);
    });
  }

  it('a key named to broadcast shows its name escaped, not as a mention or a link', () => {
    const request = hostileRequest('Jane');
    const preview = {
      items: [{ ref: ref('api-keys'), found: [{ id: 'ApiKey-1', label: HOSTILE.broadcast }] }],
      identities: [{ system: 'ibm-cloud', title: 'IBM Cloud', identities: [{ scope: 'a1', id: 'IBMid-1', label: HOSTILE.broadcast }] }],
    };
    const text = JSON.stringify(approvalMessage(request, shape, preview));
    expect(text).toContain('ci &lt;!channel&gt; &lt;https://evil.example|Re-approve here&gt;');
  });

  it("a Slack name with markup is escaped in the approval message's fallback text", () => {
    const { text } = approvalMessage(hostileRequest(HOSTILE.broadcast), shape);
    expect(text).toBe('Offboarding request OFF-ABC123 for ci &lt;!channel&gt; &lt;https://evil.example|Re-approve here&gt;: approval needed');
  });
});

/**
 * Every export of the Block Kit builders' folder and of the systems' own message builders, and
 * whether the corpus above covers it: a builder added without a place in it fails here.
 */
const BUILDER_FILES = [
  ...readdirSync(new URL('../../src/slack/blocks/', import.meta.url)).map((f) => `../../src/slack/blocks/${f}`),
  '../../src/connectors/ibm-cloud/sweep/sweep-digest.ts',
  '../../src/connectors/ibm-cloud/vpc/vpc-review-modal.ts',
];
/** Exports that make no message of their own: Block Kit parts (each output checked within the builders above), ids, limits, and pure functions of our own values. */
const NOT_BUILDERS = new Set([
  // block-kit.ts: the parts every builder uses, and the escape itself (tested below).
  'plain',
  'mrkdwn',
  'fitted',
  'section',
  'context',
  'divider',
  'option',
  'input',
  'user',
  'slackDate',
  'escapeText',
  'cut',
  'blocksText',
  'fitLines',
  // ids.ts and payloads: constants and id makers.
  'inputAction',
  'optionValue',
  'reviewMetadata',
  'readChosenKeys',
  'featureActionId',
  // parts whose text is checked inside the builders that use them
  'spend',
  'memberState',
  'rotationsBeyond',
  'mentionAttesters',
  'subjectRef',
  'requesterRef',
  'requestFacts',
  'consoleLink',
  'helpWith',
]);

describe('the corpus covers every builder', () => {
  it('each exported function that makes a Slack text is pushed through the hostile corpus above', async () => {
    const covered = everyBuilder(MIXED).map(([where]) => where);
    // The names the corpus calls, read from its own source (compiled, an import is called as `(0, m.name)(…)`).
    const named = new Set(
      [everyBuilder.toString(), everyOtherBuilder.toString()].flatMap((source) => [...source.matchAll(/\b([a-z][A-Za-z]+)\)?\(/g)].map((m) => m[1]!)),
    );
    const missing: string[] = [];
    for (const file of BUILDER_FILES.filter((f) => f.endsWith('.ts'))) {
      const module = (await import(file)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module)) {
        if (typeof value !== 'function' || NOT_BUILDERS.has(name)) continue;
        if (!named.has(name)) missing.push(`${file}: ${name}`);
      }
    }
    expect(covered.length).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });
});

describe('cutting text to fit Slack', () => {
  it('never leaves half a character, half an escape or half a mention', () => {
    expect(cut('ab\ud83d\ude00', 3)).toBe('ab');
    expect(cut('ab &amp; c', 6)).toBe('ab ');
    expect(cut('ab <@U0JANE001> c', 8)).toBe('ab ');
    expect(cut('short', 10)).toBe('short');
  });
});

describe('well-formed text', () => {
  it('turns lone surrogates into U+FFFD and keeps pairs, in strings, arrays, values and keys', () => {
    expect(wellFormed(HOSTILE.loneSurrogate)).toBe('backdoor \ufffd');
    expect(wellFormed('\ud83d\ude00')).toBe('\ud83d\ude00');
    const parsed = JSON.parse('{"name":"backdoor \\ud800","list":[{"k\\udc00":"\\ud800x"}],"n":1}') as unknown;
    expect(wellFormedDeep(parsed)).toEqual({ name: 'backdoor \ufffd', list: [{ 'k\ufffd': '\ufffdx' }], n: 1 });
  });

  it('walks nesting deeper than the stack allows', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}"\\ud800"${']'.repeat(100_000)}`) as unknown;
    expect(() => wellFormedDeep(deep)).not.toThrow();
  });

  it('leaves every corpus string well-formed', () => {
    for (const text of CORPUS) expect(wellFormed(text).isWellFormed()).toBe(true);
  });
});
