import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * BullMQ workers block on Redis, so the connection must never give up on a request. ioredis
 * reports every failed reconnect; the log gets each distinct error once.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  let last = '';
  redis.on('error', (err: Error) => {
    if (err.message !== last) logger.warn({ err: err.message }, 'Redis connection error; reconnecting');
    last = err.message;
  });
  redis.on('ready', () => {
    last = '';
  });
  return redis;
}

export class Keys {
  constructor(readonly prefix: string) {}
  request(id: string) {
    return `${this.prefix}:request:${id}`;
  }
  requestIndex() {
    return `${this.prefix}:requests`;
  }
  /** Requests by status, scored by creation time; `status` '' gives the common prefix. */
  statusIndex(status: string) {
    return `${this.prefix}:requests:status:${status}`;
  }
  audit(id: string) {
    return `${this.prefix}:audit:${id}`;
  }
  /** How long each system takes to show a change, as the worker processes learned it (src/runs/learned-delays-store.ts). */
  readBackDelays() {
    return `${this.prefix}:read-back-delays`;
  }
  lock(kind: string, id: string) {
    return `${this.prefix}:lock:${kind}:${id}`;
  }
  /** Requests about one person (the subject), scored by creation time. */
  subjectIndex(userId: string) {
    return `${this.prefix}:requests:subject:${userId}`;
  }
  /** A delivery an HR source made (its webhook id), once handled: a replay of it changes nothing. */
  hrDelivery(source: string, id: string) {
    return `${this.prefix}:hr:delivery:${source}:${id}`;
  }
  /** The requests of one bulk request (a set of request ids). */
  batch(id: string) {
    return `${this.prefix}:batch:${id}`;
  }
  /** The decision of a bulk request, stored once before it is applied to each of its requests (src/requests/batch-decision.ts). */
  batchDecision(id: string) {
    return `${this.prefix}:batch:${id}:decision`;
  }
  /** Bulk requests whose stored decision may not be applied to every request yet (a set of batch ids). */
  batchDecisionsOpen() {
    return `${this.prefix}:batch-decisions:open`;
  }
  /** Where a bulk request's combined checklist is posted ({ channel, ts } as JSON). */
  batchChecklist(id: string) {
    return `${this.prefix}:batch:${id}:checklist`;
  }
  /** The permalink of each request's thread in a bulk request (request id → link), as Slack gave it. */
  batchLinks(id: string) {
    return `${this.prefix}:batch:${id}:links`;
  }
  /** Which request one view submission (view id + hash) created. */
  submission(viewId: string, hash: string) {
    return `${this.prefix}:submission:${viewId}:${hash}`;
  }
  /** A request budget shared by every worker, e.g. one account's of a system. */
  budget(system: string, scope: string) {
    return `${this.prefix}:budget:${system}:${scope}`;
  }
  /** When a post of a request's one message of a kind was first tried (src/slack/posted-messages.ts). */
  posting(kind: string, requestId: string) {
    return `${this.prefix}:posting:${kind}:${requestId}`;
  }
  /** What Slack said about one person, shared by every process for a few minutes. */
  slackPerson(userId: string) {
    return `${this.prefix}:slack:person:${userId}`;
  }
  /** Who has approved a pending request's terms with this digest (a set of user ids): a change of terms starts a new set. */
  approvals(requestId: string, digest: string) {
    return `${this.prefix}:approvals:${requestId}:${digest}`;
  }
  /** Who has rejected a pending request whose rule takes more than one rejection (a set of user ids). */
  rejections(requestId: string) {
    return `${this.prefix}:rejections:${requestId}`;
  }
  /** How often one refusal repeated within its window. */
  refusals(requestId: string, actor: string, action: string, reason: string) {
    return `${this.prefix}:refusals:${requestId}:${actor}:${action}:${reason}`;
  }
  /** A system's own state, beyond offboarding one person (its features: src/connectors/system-feature.ts). */
  ofSystem(system: string, part: string) {
    return `${this.prefix}:system:${system}:${part}`;
  }
}
