import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord, PreviewItem } from '../../src/audit/audit-event.js';
import { runView } from '../../src/runs/run-view.js';
import type { StepRef } from '../../src/connectors/step-ref.js';
import type { OffboardRequest } from '../../src/requests/request.js';
import type { RunShape } from '../../src/runs/run-flow.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/simulators/slack/index.js';
import { appHome } from '../../src/slack/blocks/app-home.js';
import { approvalMessage } from '../../src/slack/blocks/approval-message.js';
import { batchChecklistMessage } from '../../src/slack/blocks/batch-checklist.js';
import { checklistMessage } from '../../src/slack/blocks/checklist-message.js';
import { requestListReply } from '../../src/slack/blocks/request-replies.js';
import { rescanAlertText } from '../../src/slack/blocks/rescan-alert.js';
import { sampleRequest } from '../support/sample-request.js';

/**
 * The largest messages the bot builds, sent to the Slack simulator, which refuses what Slack
 * refuses (blocks per message and view, characters per text, per message, per message's blocks):
 * a message that does not fit fails here as it would fail in Slack.
 */
const TOKEN = 'xoxb-limits';
const CHANNEL = 'C0APPROVAL';
const VIEWER = 'U0RILEY01';
const silent = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

let slack: SlackSimulator;
let web: WebClient;
beforeEach(async () => {
  slack = await startSlackSimulator({ botToken: TOKEN, users: [{ id: VIEWER, name: 'riley', realName: 'Riley Ito' }], channels: [CHANNEL] });
  web = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: silent });
});
afterEach(() => slack.close());

const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const account = (a: number) => a.toString(16).padStart(32, '0');
const STEPS = ['api-keys', 'access-groups', 'policies', 'trusted-profiles', 'account-membership'];

function planned(accounts: number): { refs: StepRef[]; trail: AuditRecord[] } {
  const refs = Array.from({ length: accounts }, (_, a) =>
    STEPS.map((step) => ({ system: 'ibm-cloud', systemTitle: 'IBM Cloud', scopeNoun: 'account', scope: account(a), step, title: step })),
  ).flat();
  return { refs, trail: [{ type: 'run.planned', round: 1, steps: refs, startsAt: at(0), seq: '1-0', at: at(0) }] };
}

const stepIdOf = (r: StepRef) => `${r.system}.${r.scope}.${r.step}`;
const request = sampleRequest({ id: 'OFF-LARGE1', status: 'approved' });

/** A round over `accounts` accounts in which each step ends as `end` says. */
function round(accounts: number, end: (i: number) => 'failed' | 'verified' | 'running'): AuditRecord[] {
  const { refs, trail } = planned(accounts);
  let seq = 2;
  const record = (e: Record<string, unknown>) => trail.push({ ...e, seq: `${seq++}-0`, at: at(seq) } as AuditRecord);
  refs.forEach((ref, i) => {
    const stepId = stepIdOf(ref);
    record({ type: 'step.started', stepId, attempt: 1 });
    if (end(i) === 'failed')
      record({
        type: 'step.failed',
        stepId,
        attempt: 5,
        error: `IAM answered 403 Forbidden for ${ref.scope}: the API key lacks the Administrator role on this account`,
      });
    if (end(i) === 'verified') {
      record({ type: 'step.inventoried', stepId, found: [{ id: `item-${i}`, label: `key ${i}` }] });
      record({ type: 'step.acted', stepId, transactionId: `tx-${i}`, changes: [{ id: `item-${i}`, label: `key ${i}`, outcome: 'removed' }] });
      record({ type: 'step.verified', stepId, checks: 2, firstConfirmedAt: at(seq), elapsedMs: 900 });
    }
  });
  return trail;
}

async function postChecklist(trail: AuditRecord[]) {
  const message = checklistMessage(request, runView(trail));
  await web.chat.postMessage({ channel: CHANNEL, ...message } as never);
  return JSON.stringify(message.blocks);
}

describe("the largest messages fit Slack's limits", () => {
  it('a checklist of 500 accounts whose every step failed is accepted, and counts the accounts it could not show', async () => {
    const text = await postChecklist(round(500, () => 'failed'));
    expect(text).toMatch(/…and \d+ more accounts\* not shown here, to fit Slack \(their steps: \d+ failed\)/);
    expect(text).toContain(account(0));
  });

  it('a checklist of 500 accounts, all verified but a few failed, shows the failed first', async () => {
    const failing = new Set([5 * 480, 5 * 499 + 2]);
    const text = await postChecklist(round(500, (i) => (failing.has(i) ? 'failed' : 'verified')));
    expect(text).toContain(account(480));
    expect(text).toContain(account(499));
    expect(text.indexOf(account(480))).toBeLessThan(text.indexOf(account(0)));
    expect(text).toMatch(/their steps: 2 failed, \d+ verified|their steps: \d+ verified/);
  });

  it('a checklist of 180 accounts in the middle of a round fits, where it once passed 50 blocks', async () => {
    const text = await postChecklist(round(180, (i) => (i % 3 === 0 ? 'running' : 'verified')));
    expect(text).toContain('the evidence report will list every one when this round finishes');
  });

  describe('a checklist with every kind of task open at once', () => {
    /**
     * `accounts` IBM Cloud accounts whose every step failed, `manual` open manual tasks, a step whose
     * `servers` items (a server each) are tasks, `rotations` credentials handed over to rotate, and
     * SSH keys waiting for their review: the disable phase finished with failures, so each failed step
     * has its Retry too, and the request, in its grace period, its Reinstate and End grace period now.
     */
    function everyKind({ accounts, manual, servers, rotations }: { accounts: number; manual: number; servers: number; rotations: number }): AuditRecord[] {
      const ibm = planned(accounts).refs;
      const tasks: StepRef[] = Array.from({ length: manual }, (_, i) => ({
        system: 'facilities',
        systemTitle: 'Facilities',
        scope: 'hq',
        step: `badge-${i}`,
        title: `Door badge and locker ${i} returned to the front desk`,
      }));
      const serverStep: StepRef = {
        system: 'ibm-cloud',
        systemTitle: 'IBM Cloud',
        scopeNoun: 'region',
        scope: 'us-south',
        step: 'server-keys',
        title: 'server keys',
      };
      const keptStep: StepRef = {
        system: 'ibm-cloud',
        systemTitle: 'IBM Cloud',
        scopeNoun: 'account',
        scope: account(0),
        step: 'created-keys',
        title: 'keys they made',
      };
      const review: StepRef = {
        system: 'ibm-cloud',
        systemTitle: 'IBM Cloud',
        scopeNoun: 'region',
        scope: 'eu-de',
        step: 'vpc-ssh-keys',
        title: 'VPC SSH keys',
        review: { actionId: 'offboard_review_ssh_keys', label: 'Review SSH keys' },
      };
      const refs = [...ibm, ...tasks, serverStep, keptStep, review];
      const trail: AuditRecord[] = [{ type: 'run.planned', round: 1, steps: refs, startsAt: at(0), phase: 'disable', seq: '1-0', at: at(0) }];
      let seq = 2;
      const record = (e: Record<string, unknown>) => trail.push({ ...e, seq: `${seq++}-0`, at: at(seq) } as AuditRecord);
      for (const ref of ibm)
        record({
          type: 'step.failed',
          stepId: stepIdOf(ref),
          attempt: 5,
          error: `IAM answered 403 Forbidden for ${ref.scope}: the API key lacks the Administrator role`,
        });
      for (const ref of tasks)
        record({
          type: 'task.opened',
          stepId: stepIdOf(ref),
          instructions: 'Collect it and switch it off in the badge system.',
          attesters: { kind: 'users', ids: [VIEWER] },
        });
      const items = Array.from({ length: servers }, (_, i) => ({
        id: `us-south/0717-server-${i}/key`,
        label: `SSH key jane-laptop on server web-${i} (us-south)`,
      }));
      record({
        type: 'task.opened',
        stepId: stepIdOf(serverStep),
        instructions: "Remove the key from root's authorized_keys.",
        attesters: { kind: 'users', ids: [] },
        items,
      });
      const kept = Array.from({ length: rotations }, (_, i) => ({
        id: `ApiKey-${String(i).padStart(4, '0')}-deploy`,
        label: `deploy key ${i} of the billing pipeline`,
      }));
      record({ type: 'step.inventoried', stepId: stepIdOf(keptStep), found: kept.map((k) => ({ ...k, rotate: true })) });
      record({
        type: 'step.acted',
        stepId: stepIdOf(keptStep),
        transactionId: 'tx-kept',
        changes: kept.map((k) => ({ ...k, outcome: 'kept', detail: 'handed over to Taylor; left working' })),
      });
      record({ type: 'step.verified', stepId: stepIdOf(keptStep), checks: 1, firstConfirmedAt: at(seq), elapsedMs: 400 });
      record({ type: 'run.finished', round: 1, outcome: 'failures', failedSteps: ibm.map(stepIdOf) });
      // In its grace period, re-scanned once: the lines and buttons of a disabled request come too.
      record({ type: 'deletion.scheduled', deleteAt: at(30 * 86_400) });
      record({ type: 'rescan.done', phase: 'disable', afterMs: 86_400_000, findings: [], unchecked: [] });
      return trail;
    }

    const disabled = sampleRequest({ id: 'OFF-LARGE1', status: 'disabled' });

    /** How many buttons of each kind the message holds, and how many its one line counts as not shown. */
    function tally(blocks: unknown[]) {
      const ids = blocks.map((b) => (b as { block_id?: string }).block_id ?? '');
      const text = JSON.stringify(blocks);
      const counted = (noun: string) => Number(new RegExp(`the buttons of [^*]*?(\\d+) ${noun}`).exec(text)?.[1] ?? 0);
      return {
        text,
        tasks: ids.filter((id) => id.startsWith('task.')).length,
        servers: ids.filter((id) => id.startsWith('item.')).length,
        rotations: ids.filter((id) => id.startsWith('rotation.')).length,
        counted: { tasks: counted('open tasks?'), servers: counted('open items?'), rotations: counted('rotation tasks?') },
      };
    }

    it('20 open manual tasks, 30 rotation tasks, 30 servers and 46 accounts all failed: Slack accepts it, and every open task has its buttons or is counted', async () => {
      const sent = checklistMessage(disabled, runView(everyKind({ accounts: 46, manual: 20, servers: 30, rotations: 30 })));
      await web.chat.postMessage({ channel: CHANNEL, ...sent } as never);
      const { text, tasks, servers, rotations, counted } = tally(sent.blocks);
      expect(tasks + counted.tasks).toBe(20);
      expect(servers + counted.servers).toBe(30);
      expect(rotations + counted.rotations).toBe(30);
      // What needs a click now comes first: every failed step can be retried, each open manual task has its buttons.
      expect(text).toContain('"Retry failed steps"');
      expect(text).toContain('"Reinstate"');
      expect(text).toContain('"block_id":"reviews.OFF-LARGE1"');
      expect(text).toContain('"block_id":"retry-steps.OFF-LARGE1"');
      expect(tasks).toBe(20);
      expect(counted.rotations).toBeGreaterThan(0);
      expect(text).toContain('Theirs appear here as the ones above are closed; the evidence report lists every one.');
      // The failed accounts still show, the rest counted.
      expect(text).toContain(account(0));
      expect(text).toMatch(/…and \d+ more scopes\* not shown here, to fit Slack \(their steps: \d+ failed, 21 open, 1 waiting\)/);
    });

    it('with 60 open manual tasks, the tasks past the room are counted and nothing after them jumps ahead', async () => {
      const sent = checklistMessage(disabled, runView(everyKind({ accounts: 46, manual: 60, servers: 30, rotations: 30 })));
      await web.chat.postMessage({ channel: CHANNEL, ...sent } as never);
      const { tasks, servers, rotations, counted } = tally(sent.blocks);
      expect(tasks).toBeGreaterThan(0);
      expect(tasks + counted.tasks).toBe(60);
      expect(servers).toBe(0);
      expect(counted.servers).toBe(30);
      expect(rotations).toBe(0);
      expect(counted.rotations).toBe(30);
    });

    it('a few open tasks of each kind all have their buttons, and no line counts any', async () => {
      const sent = checklistMessage(disabled, runView(everyKind({ accounts: 3, manual: 2, servers: 3, rotations: 2 })));
      await web.chat.postMessage({ channel: CHANNEL, ...sent } as never);
      const { text, tasks, servers, rotations } = tally(sent.blocks);
      expect([tasks, servers, rotations]).toEqual([2, 3, 2]);
      expect(text).not.toContain('Not shown, to fit one Slack message');
    });
  });

  it("the checklist's re-scan line after 4 accounts could not be checked stays one short context", async () => {
    const trail = round(4, () => 'verified');
    const unchecked = Array.from({ length: 4 }, (_, a) => `IBM Cloud account ${account(a)}: ${'IAM answered 503 Service Unavailable; '.repeat(30)}`);
    trail.push({ type: 'rescan.done', phase: 'disable', afterMs: 86_400_000, findings: [], unchecked, seq: '999-0', at: at(999) });
    const text = await postChecklist(trail);
    expect(text).toContain('Last re-scan');
  });

  it("a bulk request's combined checklist of 100 people with long names, some failed, is accepted, shows the failed first and counts who it left out", async () => {
    const decision = { batchId: 'BULK-0A1B2C3D', outcome: 'approved' as const, by: VIEWER, at: at(0), members: [] };
    const members = Array.from({ length: 100 }, (_, i) => {
      const id = `OFF-B${String(i).padStart(5, '0')}`;
      const outcome = i % 10 === 3 ? ('failures' as const) : ('verified' as const);
      const trail: AuditRecord[] = [
        { type: 'run.finished', round: 1, outcome, failedSteps: outcome === 'failures' ? ['ibm-cloud.x.api-keys'] : [], seq: '1-0', at: at(1) },
      ];
      return {
        request: sampleRequest({
          id,
          status: 'completed',
          subject: { slackUserId: null, name: `Person ${i} <&> ${'with a very long name '.repeat(8)}`, email: `p${i}@acme.example` },
        }),
        view: runView(trail),
        link: `https://acme-corporation.slack.com/archives/C0APPROVAL/p17000000${String(i).padStart(8, '0')}`,
      };
    });
    const message = batchChecklistMessage('BULK-0A1B2C3D', decision, members);
    await web.chat.postMessage({ channel: CHANNEL, ...message } as never);
    const text = JSON.stringify(message.blocks);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(text).toContain(':x: 10 failed');
    expect(text).toContain(':white_check_mark: 90 verified');
    // Every failed person is listed, before anyone verified; names from outside are escaped.
    for (const i of [3, 13, 23, 33, 43, 53, 63, 73, 83, 93]) expect(text).toContain(`OFF-B${String(i).padStart(5, '0')}> Person ${i} &lt;&amp;&gt;`);
    expect(text.indexOf(':x: <')).toBeLessThan(text.indexOf(':white_check_mark: <'));
    expect(text).toMatch(/…and \d+ more, not shown here to stay within Slack's limits/);
  });

  it('a re-scan alert of 1,000 findings lists what fits and counts the rest', async () => {
    const findings = Array.from({ length: 1000 }, (_, i) => ({
      stepId: `ibm-cloud.${account(i % 500)}.api-keys`,
      item: { id: `ApiKey-${i}`, label: `deploy key ${i}` },
      why: 'enabled again after the disable phase',
    }));
    const text = `<!subteam^S0ITAPPROV> ${rescanAlertText(request, 'disable', 86_400_000, findings)}`;
    await web.chat.postMessage({ channel: CHANNEL, text });
    expect(text.length).toBeLessThanOrEqual(4000);
    expect(text).toContain('deploy key 0 ');
    expect(text).toMatch(/…and \d+ more \(1000 in all\), each recorded in the request's audit trail\./);
  });

  it('an approval message whose preview covers 500 accounts is accepted', async () => {
    const { refs } = planned(500);
    const shape: RunShape = [{ title: 'IBM Cloud', scopeNoun: 'account', scopes: [...new Set(refs.map((r) => r.scope))], touches: STEPS }];
    const items: PreviewItem[] = refs.map((ref, i) => ({ ref, found: i % 7 ? [] : [{ id: `k${i}`, label: `key ${i}` }] }));
    const identities = [
      {
        system: 'ibm-cloud',
        title: 'IBM Cloud',
        identities: Array.from({ length: 500 }, (_, a) => ({ scope: account(a), id: `IBMid-${account(a)}`, label: 'jane.doe@acme.example' })),
      },
    ];
    const message = approvalMessage(sampleRequest({ id: 'OFF-LARGE1' }), shape, { items, identities });
    await web.chat.postMessage({ channel: CHANNEL, ...message } as never);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('IBM Cloud in 500 accounts `');
    expect(text).toMatch(/…and \d+ more; the checklist lists each once the run starts\./);
    expect(text).toMatch(/…and \d+ more identities/);
    expect(text).not.toContain('cut to fit Slack');
  });

  it('App Home with 100 requests, for an approver in compliance, is accepted and counts what each list leaves out', async () => {
    const requests: OffboardRequest[] = Array.from({ length: 100 }, (_, i) =>
      sampleRequest({
        id: `OFF-H${String(i).padStart(5, '0')}`,
        subject: { slackUserId: `U1CROWD${String(i).padStart(5, '0')}`, name: `Leaver ${i}`, email: `leaver.${i}@acme.example` },
        requester: { slackUserId: i % 2 ? VIEWER : 'U0MORGAN1', name: 'x' },
        status: i % 4 === 0 ? 'pending' : 'completed',
        ticket: `HR-${'9'.repeat(90)}${i}`,
        lastRescan: { at: at(i), phase: 'delete', findings: i % 3 },
      }),
    );
    const view = appHome(requests, { userId: VIEWER, isApprover: true, isCompliance: true });
    await web.views.publish({ user_id: VIEWER, view: view as never });
    const text = JSON.stringify(view);
    expect(text).toContain('…and 25 more. Type `/offboard list`');
    expect(text).toContain('Download evidence');
  });

  it('a list of 500 requests answered to a command fits one message', async () => {
    const requests = Array.from({ length: 500 }, (_, i) => sampleRequest({ id: `OFF-L${String(i).padStart(5, '0')}`, ticket: `HR-${'8'.repeat(95)}` }));
    const reply = requestListReply('Open and recent offboarding requests', requests, 'none');
    await web.chat.postMessage({ channel: CHANNEL, ...reply } as never);
    expect(JSON.stringify(reply.blocks)).toContain('…and 460 more, older.');
  });
});
