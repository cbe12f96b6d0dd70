import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-event.js';
import { runView } from '../../src/runs/run-view.js';
import type { StepRef } from '../../src/connectors/step-ref.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import { blocksText } from '../../src/slack/blocks/block-kit.js';
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
    const { blocks } = checklistMessage(request, runView(trail));
    expect(blocks.filter((b) => JSON.stringify(b).includes('*IBM Cloud* · account `'))).toHaveLength(2);
  });

  it("stays within Slack's 50 blocks, 3000 characters per section and 11,000 in all for 120 accounts, counting those it does not show", () => {
    const trail = planned(120);
    const { blocks } = checklistMessage(request, runView(trail));
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) expect((b as { text?: { text: string } }).text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    expect(blocksText(blocks)).toBeLessThanOrEqual(11_000);
    const text = JSON.stringify(blocks);
    const shown = Array.from({ length: 120 }, (_, a) => a).filter((a) => text.includes(a.toString(16).padStart(32, '0'))).length;
    expect(text).toContain(`…and ${120 - shown} more accounts* not shown here, to fit Slack (their steps: ${(120 - shown) * 4} waiting)`);
  });

  it("a step whose items are tasks: each open item has its own Done and Not applicable, up to ten, the rest counted, within Slack's limits; each attested one says by whom", () => {
    const [plan] = planned(1);
    const id = `ibm-cloud.${'0'.repeat(32)}.api-keys`;
    const at = (s: number) => `2026-11-23T10:00:${String(s).padStart(2, '0')}.000Z`;
    const items = Array.from({ length: 30 }, (_, i) => ({ id: `us-south/server-${i}/key`, label: `SSH key k on server web-${i} (us-south)` }));
    const trail: AuditRecord[] = [
      plan!,
      {
        type: 'task.opened',
        stepId: id,
        instructions: "Remove it from root's authorized_keys",
        attesters: { kind: 'users', ids: [] },
        items,
        seq: '2-0',
        at: at(1),
      },
      { type: 'item.attested', stepId: id, itemId: items[0]!.id, label: items[0]!.label, actor: 'U0ALEX001', outcome: 'done', seq: '3-0', at: at(2) },
    ];
    const { blocks } = checklistMessage(request, runView(trail));
    const text = JSON.stringify(blocks);
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(blocksText(blocks)).toBeLessThanOrEqual(11_000);
    expect(text).toContain('29 of 30 still open');
    expect(text).toContain('_Each attested on its own by an approver._');
    expect(text).toContain('SSH key k on server web-0 (us-south): done, attested by <@U0ALEX001>');
    expect(text).toContain('…and 20 more, each in the evidence');
    const buttons = blocks.filter((b) => (b as { block_id?: string }).block_id?.startsWith('item.'));
    expect(buttons).toHaveLength(10);
    expect(text).not.toContain('Done: SSH key k on server web-0 (us-south)');
    expect(text).toContain('Done: SSH key k on server web-1 (us-south)');
    expect(text).toContain('Not shown, to fit one Slack message: the buttons of 19 open items.* Theirs appear here as the ones above are closed');
    // Attested item by item, never as a whole: no step-wide Done.
    expect(text).not.toContain(`"task.${id}"`);
  });

  it('lists every account while they fit', () => {
    const trail = planned(20);
    const text = JSON.stringify(checklistMessage(request, runView(trail)).blocks);
    for (let a = 0; a < 20; a++) expect(text).toContain(a.toString(16).padStart(32, '0'));
    expect(text).not.toContain('not shown here');
  });

  it('shows a step that could not look grey, "not checked here" with its reason escaped; the finished round says all but it verified, and offers no retry', () => {
    const [plan] = planned(1);
    const scope = '0'.repeat(32);
    const at = '2026-11-23T10:00:01.000Z';
    const why = 'the Resource Controller answers only for account <!channel> & <@U0ALEX001>';
    const verified = (step: string): AuditRecord => ({
      type: 'step.verified',
      stepId: `ibm-cloud.${scope}.${step}`,
      checks: 1,
      firstConfirmedAt: at,
      elapsedMs: 0,
      seq: `2-${step.length}`,
      at,
    });
    const unchecked = `ibm-cloud.${scope}.policies`;
    const trail: AuditRecord[] = [
      plan!,
      verified('api-keys'),
      verified('access-groups'),
      { type: 'step.inventoried', stepId: unchecked, found: [], unchecked: why, seq: '3-0', at },
      { type: 'step.unchecked', stepId: unchecked, reason: why, seq: '3-1', at },
      verified('account-membership'),
      { type: 'run.finished', round: 1, outcome: 'unchecked', failedSteps: [], uncheckedSteps: [unchecked], seq: '4-0', at },
    ];
    const text = JSON.stringify(checklistMessage({ ...request, status: 'completed' }, runView(trail)).blocks);
    const escaped = 'the Resource Controller answers only for account &lt;!channel&gt; &amp; &lt;@U0ALEX001&gt;';
    expect(text).toContain(`:grey_question: policies: *not checked here*: ${escaped}; nothing was read, so nothing here is verified`);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('verified, except 1 step(s) *not checked*');
    expect(text).toContain(`policies in account ${scope}: not checked (${escaped})`);
    expect(text).not.toContain('every step verified');
    expect(text).not.toContain('offboard_retry');
  });

  it('says of a failed step how many items it left still present or of unknown outcome', () => {
    const [plan] = planned(1);
    const id = `ibm-cloud.${'0'.repeat(32)}.api-keys`;
    const at = '2026-11-23T10:00:01.000Z';
    const trail: AuditRecord[] = [
      plan!,
      {
        type: 'step.acted',
        stepId: id,
        transactionId: 'tx-a1',
        changes: [
          { id: 'k1', label: 'ci', outcome: 'removed' },
          { id: 'k2', label: 'tf', outcome: 'still_present' },
          { id: 'k3', label: 'gh', outcome: 'outcome_unknown' },
        ],
        seq: '2-0',
        at,
      },
      { type: 'step.failed', stepId: id, attempt: 1, error: 'permission denied (403)', seq: '3-0', at },
    ];
    const text = JSON.stringify(checklistMessage(request, runView(trail)).blocks);
    expect(text).toContain('*failed*: permission denied (403) (1 still present, 1 outcome unknown)');
  });

  it('says the audit trail is broken right under its heading, in its fallback text too, and nothing of it when intact', () => {
    const trail = planned(1);
    const broken = checklistMessage(request, runView(trail), {
      chainBroken: 'changed at entry 3 (1-0): entry 1-0 (request.approved) was changed after it was recorded',
    });
    const intact = checklistMessage(request, runView(trail));

    expect(JSON.stringify(broken.blocks[1])).toContain('The audit trail is broken* (changed at entry 3');
    expect(broken.text).toContain('the audit trail is broken');
    expect(JSON.stringify(intact)).not.toContain('broken');
  });
});

describe('the checklist names the round it shows for what it is', () => {
  const steps: StepRef[] = [
    { system: 'ibm-cloud', systemTitle: 'IBM Cloud', scopeNoun: 'account', scope: 'a'.repeat(32), step: 'api-keys', title: 'API keys' },
  ];
  let n = 0;
  const at = (e: object) => ({ ...e, seq: `${++n}-0`, at: `2026-11-23T10:00:0${n % 10}.000Z` }) as AuditRecord;
  const disabled = (): AuditRecord[] => [
    at({ type: 'request.approved', actor: 'U0ALEX001' }),
    at({ type: 'run.planned', round: 1, phase: 'disable', steps, startsAt: '2026-11-23T10:00:00.000Z' }),
    at({ type: 'run.finished', round: 1, outcome: 'verified', failedSteps: [] }),
  ];
  const heading = (trail: AuditRecord[]) => JSON.stringify(checklistMessage(request, runView(trail)).blocks[0]);

  it('a deletion after "End grace period now": who ended the grace period, though the schedule started the round', () => {
    const trail = [
      ...disabled(),
      at({ type: 'grace.ended', actor: 'U0RILEY01' }),
      at({ type: 'run.planned', round: 2, phase: 'delete', steps, startsAt: '2026-11-23T10:00:00.000Z', by: 'schedule' }),
    ];
    expect(heading(trail)).toContain('round 2: delete phase (grace ended by <@U0RILEY01>)');
  });

  it('a deletion at the end of the grace period: by schedule', () => {
    const trail = [...disabled(), at({ type: 'run.planned', round: 2, phase: 'delete', steps, startsAt: '2026-11-23T10:00:00.000Z', by: 'schedule' })];
    expect(heading(trail)).toContain('round 2: delete phase (by schedule)');
  });

  it('a reinstatement, and a retry, by whoever clicked', () => {
    const reinstated = [...disabled(), at({ type: 'run.planned', round: 2, phase: 'reinstate', steps, startsAt: '2026-11-23T10:00:00.000Z', by: 'U0RILEY01' })];
    expect(heading(reinstated)).toContain('round 2: reinstatement by <@U0RILEY01>');
    const retried = [...disabled(), at({ type: 'run.planned', round: 2, phase: 'disable', steps, startsAt: '2026-11-23T10:00:00.000Z', by: 'U0ALEX001' })];
    expect(heading(retried)).toContain("round 2: retry by <@U0ALEX001> of the disable phase's failed steps");
  });
});

describe('while the deletion waits for a review', () => {
  const keys: StepRef = {
    system: 'cloud',
    systemTitle: 'Cloud',
    scopeNoun: 'account',
    scope: 'b'.repeat(32),
    step: 'keys',
    title: 'Keys',
    review: { actionId: 'cloud.keys.review', label: 'Review keys…' },
  };
  const steps: StepRef[] = [{ system: 'cloud', systemTitle: 'Cloud', scopeNoun: 'account', scope: 'b'.repeat(32), step: 'users', title: 'Users' }];
  let n = 0;
  const at = (e: object) => ({ ...e, seq: `${++n}-0`, at: `2026-11-23T10:00:0${n % 10}.000Z` }) as AuditRecord;
  const waiting = (): AuditRecord[] => [
    at({ type: 'request.approved', actor: 'U0ALEX001' }),
    at({ type: 'run.planned', round: 1, phase: 'disable', steps, startsAt: '2026-11-23T10:00:00.000Z' }),
    at({ type: 'run.finished', round: 1, outcome: 'verified', failedSteps: [] }),
    at({ type: 'deletion.scheduled', deleteAt: '2026-12-23T10:00:00.000Z', reviews: [keys] }),
  ];
  const disabled = { ...request, status: 'disabled' } as OffboardRequest;
  const text = (r: OffboardRequest, trail: AuditRecord[]) => JSON.stringify(checklistMessage(r, runView(trail)).blocks);

  it('offers the review during the grace period and says the deletion needs it; once made, names who made it and still offers it', () => {
    const asking = text(disabled, waiting());
    expect(asking).toContain('*The deletion needs a review first:* Keys · account `bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb`');
    expect(asking).toContain(`"action_id":"cloud.keys.review","value":"OFF-MANY01|cloud.${'b'.repeat(32)}.keys"`);
    const reviewed = text(disabled, [...waiting(), at({ type: 'review.recorded', stepId: `cloud.${'b'.repeat(32)}.keys`, actor: 'U0ALEX001' })]);
    expect(reviewed).toContain('reviewed for the deletion by <@U0ALEX001>');
    expect(reviewed).not.toContain('The deletion needs a review first');
    expect(reviewed).toContain('"action_id":"cloud.keys.review"');
  });

  it('offers nothing once the request no longer waits for its deletion (reinstated)', () => {
    const reinstated = text({ ...request, status: 'reinstated' } as OffboardRequest, waiting());
    expect(reinstated).not.toContain('cloud.keys.review');
    expect(reinstated).not.toContain('The deletion needs a review first');
  });
});
