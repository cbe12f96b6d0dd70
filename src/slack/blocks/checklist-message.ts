import type { AuditRecord } from '../../audit/audit-event.js';
import { currentRound, foundNothingAnywhere, type StepProgress } from '../../checklist/step-progress.js';
import { scopeLabel, systemTitle } from '../../connectors/step-ref.js';
import type { OffboardRequest } from '../../requests/request.js';
import { context, escape, plain, section, slackDate } from './block-kit.js';
import { ACTIONS } from './ids.js';

const ICONS = {
  waiting: ':white_circle:',
  running: ':hourglass_flowing_sand:',
  retrying: ':arrows_counterclockwise:',
  verified: ':white_check_mark:',
  failed: ':x:',
} as const;

/** The live checklist in the request's thread, rendered entirely from the audit trail. */
export function checklistMessage(r: OffboardRequest, steps: StepProgress[], trail: AuditRecord[]) {
  const { round, finished: roundFinished } = currentRound(trail);
  const planned = trail.findLast((e) => e.type === 'run.planned');
  const finished = roundFinished ? trail.findLast((e) => e.type === 'run.finished') : undefined;
  const report = roundFinished ? trail.findLast((e) => e.type === 'report.published') : undefined;
  const scheduled = planned?.type === 'run.planned' && Date.parse(planned.startsAt) > Date.parse(planned.at) ? planned.startsAt : undefined;
  const verified = steps.filter((s) => s.state === 'verified').length;

  const groups = new Map<string, StepProgress[]>();
  for (const s of steps) {
    const key = `${s.ref.system}\u0000${s.ref.scope}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const texts = [...groups.values()].map((group) => {
    const lines = group.map((s) => `${ICONS[s.state]} ${s.ref.title}: ${stepLine(s, scheduled)}`);
    const ref = group[0]!.ref;
    return `*${systemTitle(ref)}* · ${scopeLabel(ref, (x) => `\`${x}\``)}\n${lines.join('\n')}`;
  });
  const body = (texts.length > MAX_SCOPE_BLOCKS ? pack(texts) : texts).map(section);

  const footer = finished?.type === 'run.finished'
    ? finished.outcome === 'verified'
      ? `:white_check_mark: Finished ${slackDate(finished.at)}: every step verified.`
      : `:x: Finished ${slackDate(finished.at)} with ${finished.failedSteps.length} failed step(s); see the reasons above and the evidence report. An approver can retry them once the cause is fixed.`
    : `${verified} of ${steps.length} steps verified so far.`;
  const evidence = report?.type === 'report.published' ? ` Evidence report: ${escape(report.filename)}.` : '';
  const warning = finished && foundNothingAnywhere(steps)
    ? [section(`:warning: *Nothing was found for ${escape(r.subject.email)} in any system.* If they use another email there, their access is untouched: offboard that identity too.`)]
    : [];

  const retry =
    finished?.type === 'run.finished' && finished.outcome === 'failures' && r.status === 'completed'
      ? [{ type: 'actions', block_id: `retry.${r.id}`, elements: [{ type: 'button', action_id: ACTIONS.retry, value: r.id, text: plain('Retry failed steps') }] }]
      : [];
  const heading = `:clipboard: *Revocation checklist for ${r.id}* (${escape(r.subject.name)})${round > 1 ? ` · retry ${round - 1}` : ''}`;
  return {
    text: `Revocation checklist for ${r.id}: ${verified} of ${steps.length} verified`,
    blocks: [section(heading), ...body, ...warning, context(footer + evidence), ...retry],
  };
}

/** Slack takes 50 blocks per message and 3000 characters per section. */
const MAX_SCOPE_BLOCKS = 40;
const MAX_SECTION_CHARS = 2900;

/** Joins scope texts into as few sections as the character limit allows. */
function pack(texts: string[]): string[] {
  const packed: string[] = [];
  for (const t of texts) {
    const last = packed.at(-1);
    if (last !== undefined && last.length + 2 + t.length <= MAX_SECTION_CHARS) packed[packed.length - 1] = `${last}\n\n${t}`;
    else packed.push(t.slice(0, MAX_SECTION_CHARS));
  }
  return packed;
}

function stepLine(s: StepProgress, scheduledFor?: string): string {
  switch (s.state) {
    case 'waiting':
      return scheduledFor ? `scheduled for ${slackDate(scheduledFor)}` : 'waiting';
    case 'running':
      return s.attempts > 1 ? `running (attempt ${s.attempts})` : 'running';
    case 'retrying':
      return `retrying in ${Math.ceil((s.retryInMs ?? 0) / 1000)} s after: ${escape(s.error ?? '')}`;
    case 'failed':
      return `*failed*: ${escape(s.error ?? 'unknown error')}`;
    case 'verified': {
      const removed = s.changes?.filter((c) => c.outcome === 'removed').length ?? 0;
      const absent = s.changes?.filter((c) => c.outcome === 'already_absent').length ?? 0;
      const what = removed + absent === 0 ? (s.inventoryNote ? `nothing to remove (${escape(s.inventoryNote)})` : 'nothing found') : `${removed} removed${absent ? `, ${absent} already absent` : ''}`;
      const checks = s.verification?.checks ?? 1;
      return `${what}; verified by read-back${checks > 1 ? ` after ${checks} checks` : ''}`;
    }
  }
}
