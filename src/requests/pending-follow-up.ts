import type { AuditTrail } from '../audit/audit-trail.js';
import type { PendingJobData } from '../queue/queue-names.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { describeWait, type FollowedUp, type PendingTimers } from './pending-timers.js';
import type { OffboardRequest } from './request.js';
import type { RequestStore } from './request-store.js';

export interface PendingFollowUpDeps {
  store: RequestStore;
  audit: AuditTrail;
  outbox: SlackOutbox;
  timers: PendingTimers;
  approvalChannel: string;
}

/** How many people a bulk request's follow-up names before it counts the rest. */
const NAMED = 5;

/**
 * Who a follow-up is about, as it stands when it fires: the requests still waiting (none: decided,
 * and nothing is done), the one whose thread and keys carry what is said, and how they are named.
 */
interface Waiting {
  requests: OffboardRequest[];
  lead: OffboardRequest;
  /** "request *OFF-…* to offboard Jane", or "bulk request *BULK-…* (3 people waiting: Jane, …)". */
  what: string;
  /** Prefixes of the keys that make each trail record (`trail`) and message (`slack`) once: one asking, one bulk request. */
  keys: Keys;
}

/**
 * What happens to a request nobody decides: its approvers are reminded (each wait twice the one
 * before), it is escalated, and it expires; the requester is told at each step. A bulk request is
 * followed up as one (one reminder, one escalation, one message to the requester), since one
 * decision settles it; each of its people's trails records it all the same. A follow-up that finds
 * the request decided (or asked again since) does nothing, and each is recorded once however often
 * its job runs.
 */
export class PendingFollowUp {
  constructor(private readonly deps: PendingFollowUpDeps) {}

  async remind(data: PendingJobData): Promise<void> {
    const { audit, outbox, timers } = this.deps;
    const n = data.reminder ?? 1;
    const waiting = await this.waiting(data);
    if (!waiting) return;
    const { lead, what, keys } = waiting;
    const waited = describeWait(timers.remindedAfterMs(n));
    for (const r of waiting.requests) await audit.appendOnce(r.id, `${keys.trail}remind:${n}`, { type: 'request.reminded', reminder: n });
    await outbox.alert(lead.id, `${keys.slack}remind-${n}`, `:bell: Reminder: ${what} has waited ${waited} for a decision.`);
    await outbox.notify(
      lead.id,
      `${keys.slack}reminded-${n}`,
      lead.requester.slackUserId,
      `Your ${what} has waited ${waited} for a decision: the approvers were reminded.`,
    );
    await timers.remind(this.followedUp(data, lead), n + 1);
  }

  async escalate(data: PendingJobData): Promise<void> {
    const { audit, outbox, timers, approvalChannel } = this.deps;
    const to = timers.timing.escalation;
    const waiting = await this.waiting(data);
    if (!waiting || !to) return;
    const { lead, what, keys } = waiting;
    const waited = describeWait(timers.timing.escalateAfterMs);
    for (const r of waiting.requests) await audit.appendOnce(r.id, `${keys.trail}escalate`, { type: 'request.escalated', to: to.id });
    // A user group is called on in the approval channel, where the request is; a channel is written to.
    const where = to.kind === 'usergroup' ? approvalChannel : to.id;
    const who = to.kind === 'usergroup' ? `<!subteam^${to.id}> ` : '';
    await outbox.notify(
      lead.id,
      `${keys.slack}escalated`,
      where,
      `${who}:rotating_light: ${capitalised(what)} has waited ${waited} without a decision; it is decided in <#${approvalChannel}>.`,
    );
    await outbox.notify(
      lead.id,
      `${keys.slack}escalated-requester`,
      lead.requester.slackUserId,
      `Your ${what} has waited ${waited} without a decision: it was escalated to ${to.kind === 'usergroup' ? `<!subteam^${to.id}>` : `<#${to.id}>`}.`,
    );
  }

  /** Expires the request, or every person of the bulk request still waiting; the requester is told once. */
  async expire(data: PendingJobData): Promise<void> {
    const { store, outbox, timers } = this.deps;
    const waited = describeWait(timers.timing.expireAfterMs);
    const asked = data.asked ?? 0;
    // Expired by an earlier run of this job that stopped part-way: what it did not finish is done now.
    const ids = data.batchId ? await store.batchMembers(data.batchId) : [data.requestId];
    const expired: OffboardRequest[] = [];
    for (const id of ids) {
      const request = await this.expireOne(id, asked, waited, data.batchId !== undefined);
      if (request) expired.push(request);
    }
    const lead = expired[0];
    if (!lead) return;
    if (data.batchId) await timers.clearBatch(data.batchId);
    const what = data.batchId ? describeBatch(data.batchId, expired, 'expired') : describeOne(lead);
    await outbox.notify(
      lead.id,
      `${keysOf(data).slack}expired`,
      lead.requester.slackUserId,
      `Your ${what} expired: nobody decided within ${waited}. Submit it again if it is still needed.`,
    );
  }

  /** Expires one request still waiting in this asking (or finishes what an earlier run began); undefined when it is decided otherwise. */
  private async expireOne(id: string, asked: number, waited: string, inBatch: boolean): Promise<OffboardRequest | undefined> {
    const { store, audit, outbox, timers } = this.deps;
    const current = await store.get(id);
    if (!current || (current.reasked?.count ?? 0) !== asked || (inBatch && current.reasked)) return undefined;
    const at = new Date().toISOString();
    const { applied, request } = await store.patch(id, { status: 'expired', ended: { outcome: 'expired', at, reason: `no decision within ${waited}` } }, [
      'pending',
    ]);
    if (!applied && request.status !== 'expired') return undefined;
    await audit.appendOnce(id, `${keysOf({ asked }).trail}expire`, { type: 'request.expired', afterMs: timers.timing.expireAfterMs });
    await timers.clear(request);
    await outbox.refreshApproval(id);
    return request;
  }

  /** The requests this follow-up is about that still wait for their decision in the asking it was scheduled for. */
  private async waiting(data: PendingJobData): Promise<Waiting | undefined> {
    const { store } = this.deps;
    if (data.batchId) {
      const members = await Promise.all((await store.batchMembers(data.batchId)).map((id) => store.get(id)));
      // One asked again on their own (rescheduled after the approval) is followed up on their own.
      const requests = members.filter((r): r is OffboardRequest => r?.status === 'pending' && !r.reasked);
      const lead = requests[0];
      return lead && { requests, lead, what: describeBatch(data.batchId, requests, 'waiting'), keys: keysOf(data) };
    }
    const request = await store.get(data.requestId);
    if (request?.status !== 'pending' || (request.reasked?.count ?? 0) !== (data.asked ?? 0)) return undefined;
    return { requests: [request], lead: request, what: describeOne(request), keys: keysOf(data) };
  }

  /** The follow-ups the next reminder belongs to: the job's own (jobs queued before `since` was kept count from the submission). */
  private followedUp(data: PendingJobData, lead: OffboardRequest): FollowedUp {
    const { reminder: _, ...of } = data;
    return { ...of, since: data.since ?? lead.createdAt };
  }
}

interface Keys {
  trail: string;
  slack: string;
}

/**
 * The first asking keeps the keys it always had, so a follow-up of an earlier version is not said
 * twice; Slack's keys end up in job ids, which hold no colon.
 */
function keysOf(data: Pick<PendingJobData, 'asked' | 'batchId'>): Keys {
  if (data.batchId) return { trail: `pending:${data.batchId}:`, slack: `${data.batchId}-` };
  return data.asked ? { trail: `pending:a${data.asked}:`, slack: `a${data.asked}-` } : { trail: 'pending:', slack: '' };
}

function describeOne(request: OffboardRequest): string {
  return `request *${request.id}* to offboard ${escapeText(request.subject.name)}`;
}

/** A bulk request by its id and people: "bulk request *BULK-…* (3 people waiting: Jane, Kim, Lee)". */
function describeBatch(batchId: string, requests: OffboardRequest[], how: string): string {
  const names = requests.slice(0, NAMED).map((r) => escapeText(r.subject.name));
  const more = requests.length > NAMED ? ` and ${requests.length - NAMED} more` : '';
  return `bulk request *${escapeText(batchId)}* (${requests.length} ${requests.length === 1 ? 'person' : 'people'} ${how}: ${names.join(', ')}${more})`;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
