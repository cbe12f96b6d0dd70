import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { redact } from '../redact.js';
import type { Keys } from '../redis.js';
import type { RequestLifecycle } from '../requests/request-lifecycle.js';
import type { RequestStore } from '../requests/request-store.js';
import type { SlackOutbox } from '../slack/slack-outbox.js';
import { TEXT_LIMITS, type NewRequest } from '../requests/request.js';
import { EMAIL_SHAPE } from '../requests/validate-request.js';
import { escapeText } from '../slack/blocks/block-kit.js';
import type { SlackDirectory } from '../slack/slack-directory.js';
import { mapReason, type HrEvent } from './hr-event.js';
import type { HrSource, Verified } from './hr-source.js';

/** How long a handled delivery id is remembered: far beyond the 5 minutes a delivery is accepted for. */
const DELIVERY_TTL_S = 7 * 24 * 3600;

export interface HrIntakeOptions {
  lifecycle: RequestLifecycle;
  store: RequestStore;
  outbox: SlackOutbox;
  directory: SlackDirectory;
  redis: Redis;
  keys: Keys;
  logger: Logger;
  /** The grace period of the requests HR files: access is disabled first, deleted after these days. */
  graceDays: number;
}

/** What one event did, as the sender is answered: ids and outcomes, nothing of what it sent. */
export interface EventOutcome {
  outcome: 'requested' | 'already_open' | 'duplicate' | 'cancelled' | 'not_cancelled' | 'nothing_to_cancel' | 'refused';
  request?: string;
  why?: string;
}

/**
 * Turns an HR system's verified events into requests. A termination files a pending request, as a
 * manager's form does: the HR system is the requester, the person is found in Slack by email (or
 * has no Slack account), and it goes to the approvers under the same rules: nothing is revoked on
 * a webhook alone. A withdrawn termination cancels the pending request that HR filed, and says so
 * in its thread; one already decided is only pointed out there, for the approvers to act on.
 */
export class HrIntake {
  constructor(private readonly o: HrIntakeOptions) {}

  /**
   * Handles a delivery once: a delivery id handled before changes nothing. The id is remembered
   * only once every event is handled, so a delivery that failed half-way is handled again when the
   * sender retries it (each event is idempotent: a request per delivery and person, a cancellation once).
   */
  async handle(source: HrSource, delivery: Verified): Promise<{ duplicate: boolean; events: EventOutcome[] }> {
    const key = this.o.keys.hrDelivery(source.id, delivery.deliveryId);
    if (await this.o.redis.exists(key)) return { duplicate: true, events: [] };
    const events: EventOutcome[] = [];
    for (const [i, event] of delivery.events.entries()) {
      events.push(event.kind === 'terminated' ? await this.terminated(source, delivery.deliveryId, i, event) : await this.cancelled(source, event));
    }
    await this.o.redis.set(key, '1', 'EX', DELIVERY_TTL_S);
    return { duplicate: false, events };
  }

  private async terminated(source: HrSource, deliveryId: string, index: number, event: HrEvent): Promise<EventOutcome> {
    if (!EMAIL_SHAPE.test(event.email)) return { outcome: 'refused', why: 'the email is not one address' };
    const person = await this.o.directory.byEmail(event.email);
    const slackPerson = person && !person.isBot ? person : undefined;
    const { reason, recognised } = mapReason(event.reason);
    const fields: NewRequest = {
      subject: { slackUserId: slackPerson?.id ?? null, name: slackPerson?.name ?? event.name ?? event.email, email: event.email },
      requester: { slackUserId: null, name: source.requester },
      reason,
      effectiveAt: event.effectiveAt,
      disposition: { kind: 'disable_then_delete', graceDays: this.o.graceDays },
      successorSlackUserId: null,
      // As the form decides when nobody takes over: what they created is disabled, then deleted with the rest; approvers see it first.
      createdItems: 'disable',
      ticket: redact(`${source.requester} employee ${event.employeeId}`).slice(0, TEXT_LIMITS.ticket),
      notes: redact(
        [
          `Filed by ${source.requester} from its termination event (delivery ${deliveryId}).`,
          event.reason && !recognised ? `HR's reason: ${event.reason}.` : '',
          'Nobody takes over resources: name a successor before approving if anything must be kept.',
        ]
          .filter(Boolean)
          .join(' '),
      ).slice(0, TEXT_LIMITS.notes),
    };
    // One request per delivery and person, whichever process a retried delivery reaches.
    const submitted = await this.o.lifecycle.submit(fields, { viewId: `hr.${source.id}`, hash: `${deliveryId}.${index}` });
    if (submitted.kind === 'open') return { outcome: 'already_open', request: submitted.id };
    if (submitted.kind === 'in_progress') throw new Error(`another delivery of ${deliveryId} is storing its request`);
    // Announced again for a duplicate too: the delivery that created it may have died before announcing, and announcing is idempotent.
    await this.o.lifecycle.announce(submitted.request);
    if (submitted.kind === 'created') this.o.logger.info({ requestId: submitted.request.id, source: source.id }, 'offboarding requested by the HR system');
    return { outcome: submitted.kind === 'created' ? 'requested' : 'duplicate', request: submitted.request.id };
  }

  private async cancelled(source: HrSource, event: HrEvent): Promise<EventOutcome> {
    const id = await this.o.store.openAbout({ email: event.email });
    const request = id ? await this.o.store.get(id) : undefined;
    // Only what an HR system filed: a manager's request about someone HR still employs stays theirs.
    if (!request || request.requester.slackUserId !== null || request.requester.name !== source.requester) return { outcome: 'nothing_to_cancel' };
    const reason = `${source.requester} withdrew the termination of employee ${event.employeeId}`;
    const done = await this.o.lifecycle.cancelPending(request.id, source.requester, reason);
    if (done.cancelled) return { outcome: 'cancelled', request: request.id };
    await this.o.outbox.alert(
      request.id,
      `hr-withdrawn-${done.request.status}`,
      `:warning: ${escapeText(reason)}, but *${request.id}* is already ${done.request.status === 'approved' ? 'approved' : done.request.status}, so it was not cancelled: an approver decides what happens now.`,
    );
    return { outcome: 'not_cancelled', request: request.id, why: `the request is ${done.request.status}` };
  }
}
