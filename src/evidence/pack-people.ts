import type { ChainEntry } from '../audit/audit-chain.js';
import { offboardRequestSchema } from '../requests/request.js';
import { recordsOf, runView } from '../runs/run-view.js';

/**
 * Who a trail mentions by Slack id, and the names the trail itself records for them: the request's
 * people as the request recorded them, everyone else from the `people.named` entries the bot writes
 * before it renders a pack. The PDF prints only these, so a name is covered by the chain like
 * everything else it prints.
 */
export interface TrailPeople {
  /** Every Slack id the trail mentions as an actor, a starter of a round, an approver or a successor. */
  mentioned: Set<string>;
  /** Id → name, as the trail records it (the latest `people.named` wins). */
  named: Map<string, string>;
}

export function trailPeople(entries: readonly ChainEntry[]): TrailPeople {
  const mentioned = new Set<string>();
  const named = new Map<string, string>();
  for (const { event } of entries) {
    for (const key of ['actor', 'by'] as const) if (typeof event[key] === 'string') mentioned.add(event[key]);
    if (Array.isArray(event.approvers)) for (const id of event.approvers) if (typeof id === 'string') mentioned.add(id);
  }
  const view = runView(recordsOf(entries));
  // The request as submitted names its people first; what the bot recorded later wins.
  const parsed = offboardRequestSchema.safeParse(view.submitted);
  if (parsed.success) {
    const r = parsed.data;
    if (r.requester.slackUserId) named.set(r.requester.slackUserId, r.requester.name);
    if (r.subject.slackUserId) named.set(r.subject.slackUserId, r.subject.name);
    if (r.successorSlackUserId) {
      mentioned.add(r.successorSlackUserId);
      if (r.successorName) named.set(r.successorSlackUserId, r.successorName);
    }
  }
  for (const e of view.named) {
    if (!Array.isArray(e.people)) continue;
    for (const p of e.people as { id?: unknown; name?: unknown }[]) if (typeof p?.id === 'string' && typeof p.name === 'string') named.set(p.id, p.name);
  }
  return { mentioned, named };
}

/** The pack's `people`: the names the trail records for the people it mentions, sorted by id. */
export function packPeople(entries: readonly ChainEntry[]): Record<string, string> {
  const { mentioned, named } = trailPeople(entries);
  return Object.fromEntries([...named].filter(([id]) => mentioned.has(id)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Slack ids the trail mentions but names nowhere: the ones to ask Slack about before a pack is rendered. */
export function unnamedPeople(entries: readonly ChainEntry[]): string[] {
  const { mentioned, named } = trailPeople(entries);
  return [...mentioned].filter((id) => !named.has(id) && /^[UW][A-Z0-9]+$/.test(id));
}
