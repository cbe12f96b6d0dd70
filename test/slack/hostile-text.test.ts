import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import { runView } from '../../src/runs/run-view.js';
import type { StepRef } from '../../src/connectors/step-ref.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { appHome } from '../../src/slack/blocks/app-home.js';
import { approvalMessage } from '../../src/slack/blocks/approval-message.js';
import { cut, escapeText } from '../../src/slack/blocks/block-kit.js';
import { progressView, sendingView } from '../../src/slack/blocks/checking-view.js';
import { checklistMessage } from '../../src/slack/blocks/checklist-message.js';
import { rejectModal, rejectOutcomeView } from '../../src/slack/blocks/reject-modal.js';
import { requestModal } from '../../src/slack/blocks/request-modal.js';
import { FIELDS } from '../../src/slack/blocks/ids.js';
import { submittedView } from '../../src/slack/blocks/submitted-view.js';
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
