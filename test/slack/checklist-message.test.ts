import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import { stepProgress } from '../../src/checklist/step-progress.js';
import type { StepRef } from '../../src/connectors/step-ref.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { checklistMessage } from '../../src/slack/blocks/checklist-message.js';

const request = {
  id: 'OFF-MANY01',
  subject: { slackUserId: 'U0JANE001', name: 'Jane Doe', email: 'jane.doe@acme.example' },
  status: 'approved',
} as OffboardRequest;

function planned(accounts: number): AuditRecord[] {
  const steps: StepRef[] = [];
  for (let a = 0; a < accounts; a++) {
    for (const step of ['api-keys', 'access-groups', 'policies', 'account-membership']) {
      steps.push({ system: 'ibm-cloud', systemTitle: 'IBM Cloud', scopeNoun: 'account', scope: a.toString(16).padStart(32, '0'), step, title: step });
    }
  }
  return [{ type: 'run.planned', round: 1, steps, startsAt: '2026-11-23T10:00:00.000Z', seq: '1-0', at: '2026-11-23T10:00:00.000Z' }];
}

describe('the checklist message', () => {
  it('shows one section per account for a few accounts', () => {
    const trail = planned(2);
    const { blocks } = checklistMessage(request, stepProgress(trail), trail);
    expect(blocks.filter((b) => JSON.stringify(b).includes('*IBM Cloud* · account `'))).toHaveLength(2);
  });

  it('stays within Slack\'s 50 blocks and 3000 characters per section for 120 accounts, listing every one', () => {
    const trail = planned(120);
    const { blocks } = checklistMessage(request, stepProgress(trail), trail);
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) expect((b as { text?: { text: string } }).text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    const text = JSON.stringify(blocks);
    for (let a = 0; a < 120; a++) expect(text).toContain(a.toString(16).padStart(32, '0'));
  });

  it('says of a failed step how many items it left still present or of unknown outcome', () => {
    const [plan] = planned(1);
    const id = `ibm-cloud.${'0'.repeat(32)}.api-keys`;
    const at = '2026-11-23T10:00:01.000Z';
    const trail: AuditRecord[] = [
      plan!,
      { type: 'step.acted', stepId: id, transactionId: 'tx-a1', changes: [{ id: 'k1', label: 'ci', outcome: 'removed' }, { id: 'k2', label: 'tf', outcome: 'still_present' }, { id: 'k3', label: 'gh', outcome: 'outcome_unknown' }], seq: '2-0', at },
      { type: 'step.failed', stepId: id, attempt: 1, error: 'permission denied (403)', seq: '3-0', at },
    ];
    const text = JSON.stringify(checklistMessage(request, stepProgress(trail), trail).blocks);
    expect(text).toContain('*failed*: permission denied (403) (1 still present, 1 outcome unknown)');
  });
});
