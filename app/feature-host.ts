import { type FeatureHost, featureJobName } from '../src/connectors/system-feature.js';
import { beingOffboardedReason } from '../src/requests/approval-policy.js';
import { requestModal } from '../src/slack/blocks/request-modal.js';
import { PostedMessages } from '../src/slack/posted-messages.js';
import type { BotParts } from './parts.js';
import { openAboutUser } from '../src/requests/open-about-user.js';
import { recordRefusal } from '../src/requests/record-refusal.js';

/** Each system's host for its features (src/connectors/system-feature.ts): the bot's parts, every name put under the system's id. */
export function featureHosts(parts: BotParts): (system: string) => FeatureHost {
  const { config, slack, redis, keys, store, directory, queues, logger, audit, outbox } = parts;
  const posted = new PostedMessages({ slack, redis, keys, logger });
  return (system) => ({
    channel: config.approvalChannel,
    slack,
    postOnce: (kind, id, message) => posted.postOnce(`${system}.${kind}`, id, message),
    redis,
    key: (part) => keys.ofSystem(system, part),
    store,
    logger: logger.child({ system }),
    async approverRefusal(userId, what, requestId) {
      // The role alone: someone being offboarded is refused below, with that reason recorded.
      const isApprover = await directory.isApprover(userId).catch((err: Error) => {
        logger.warn({ userId, err: err.message }, 'could not check the approver role; refusing');
        return false;
      });
      if (!isApprover) return `Only approvers (${directory.describeApprovers()}) can ${what}, so nothing was done.`;
      const about = await openAboutUser(store, directory, userId);
      const offboarded = beingOffboardedReason(about);
      if (!offboarded || !about) return offboarded;
      // In the trail of the request clicked; a power used outside any request, in the trail of the one about them.
      return requestId
        ? recordRefusal({ store, audit }, requestId, userId, 'review', offboarded)
        : recordRefusal({ store, audit }, about, userId, 'feature', offboarded, what);
    },
    async openRequestForm(triggerId, prefill) {
      await slack.views.open({ trigger_id: triggerId, view: requestModal(prefill) });
      // Looked up while the form is filled in, as /offboard @person does; an email is found at submission, as /offboard jane@acme.com.
      if (prefill.personId) await directory.person(prefill.personId).catch(() => undefined);
    },
    async enqueue(job, data, { jobId, keepFailed }) {
      await queues.systems.add(featureJobName(system, job), data, {
        jobId,
        attempts: config.jobs.attempts,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: true,
        removeOnFail: keepFailed ? 100 : true,
      });
    },
    async reviewed(requestId, stepId, by) {
      await audit.append(requestId, { type: 'review.recorded', stepId, actor: by });
      await outbox.refreshChecklist(requestId);
    },
    now: () => Date.now(),
  });
}
