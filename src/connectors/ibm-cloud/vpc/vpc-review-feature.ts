import { z } from 'zod';
import { escapeText } from '../../../slack/blocks/block-kit.js';
import type { FeatureHost, SystemFeature } from '../../system-feature.js';
import type { IbmCloudClient } from '../ibm-cloud-client.js';
import { mentions, serversOf, vpcListing } from './vpc-listing.js';
import { VpcReviews } from './vpc-review.js';
import { optionValue, readChosenKeys, VPC_REVIEW, vpcReviewLoadingView, vpcReviewModal } from './vpc-review-modal.js';

/** The checklist button's value: `<request id>|ibm-cloud.<account>.vpc-ssh-keys`. */
const buttonValue = /^(OFF-[A-Z0-9]{1,40})\|ibm-cloud\.([a-f0-9]{32})\.vpc-ssh-keys$/;
const metadata = z.object({ requestId: z.string().regex(/^OFF-[A-Z0-9]{1,40}$/), accountId: z.string().regex(/^[a-f0-9]{32}$/) }).strict();
const listJob = z.object({ requestId: z.string(), accountId: z.string(), viewId: z.string(), userId: z.string() });

const WHAT = 'review SSH keys';

/** Why `userId` may not review this request's keys: not an approver, being offboarded, the one it is about or the one who asked. */
async function refusal(host: FeatureHost, userId: string, requestId: string): Promise<string | undefined> {
  const request = await host.store.get(requestId);
  if (!request) return `There is no request ${requestId}, so nothing was done.`;
  if (request.subject.slackUserId === userId) return 'You cannot review the SSH keys of your own offboarding, so nothing was done.';
  if (request.requester.slackUserId === userId) return 'You made this request, so another approver reviews its SSH keys; nothing was done.';
  return host.approverRefusal(userId, WHAT, requestId);
}

/**
 * The review of VPC SSH keys (IBM records no creator): the checklist's *Review SSH keys…* opens a
 * modal, a job lists the keys into it with those naming the person ticked, and an approver's
 * submission records which are theirs, for the SSH keys step to delete at the delete phase.
 */
export const vpcReviewFeature: SystemFeature<IbmCloudClient> = {
  name: VPC_REVIEW.feature,
  buttons: {
    async [VPC_REVIEW.button](click, host) {
      const m = buttonValue.exec(click.value);
      if (!m) return click.tell('This button does not name a request I know, so nothing was done.');
      const [, requestId, accountId] = m as unknown as [string, string, string];
      // The trigger lasts 3 s: the modal opens first, and says what follows.
      const opened = await host.slack.views.open({ trigger_id: click.triggerId, view: vpcReviewLoadingView(accountId) });
      const viewId = opened.view?.id;
      if (!viewId) return;
      const refused = await refusal(host, click.userId, requestId);
      if (refused) {
        host.logger.warn({ requestId, user: click.userId }, 'refused a review of SSH keys');
        await host.slack.views.update({
          view_id: viewId,
          view: { ...vpcReviewLoadingView(accountId), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeText(refused) } }] },
        });
        return;
      }
      await host.enqueue(VPC_REVIEW.job, { requestId, accountId, viewId, userId: click.userId }, { jobId: `vpc-review.${viewId}` });
    },
  },
  jobs: {
    async [VPC_REVIEW.job](job, { client, host }) {
      const { requestId, accountId, viewId } = listJob.parse(job.data);
      const request = await host.store.mustGet(requestId);
      const account = client.inAccount(accountId);
      const [listing, review] = await Promise.all([vpcListing(account, accountId), client.vpcReviews?.get(requestId, accountId)]);
      if (!listing.answered) {
        await host.slack.views.update({
          view_id: viewId,
          view: {
            ...vpcReviewLoadingView(accountId),
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeText(`The SSH keys could not be listed: ${listing.why}.`) } }],
          },
        });
        return;
      }
      const keys = listing.keys.map((key) => ({ key, servers: serversOf(key, listing.servers).length }));
      // An earlier review's choice, else the keys that mention the person.
      const selected = new Set(review ? review.chosen.map(optionValue) : listing.keys.filter((k) => mentions(k, request.subject.email)).map(optionValue));
      await host.slack.views.update({
        view_id: viewId,
        view: vpcReviewModal({ requestId, accountId, person: request.subject.name, email: request.subject.email, keys, selected }),
      });
    },
  },
  modals: {
    async [VPC_REVIEW.modal](submission, host) {
      let meta: z.infer<typeof metadata>;
      try {
        meta = metadata.parse(JSON.parse(submission.privateMetadata));
      } catch {
        return submission.show('This form arrived in a shape I cannot read, so nothing was recorded.');
      }
      const refused = await refusal(host, submission.userId, meta.requestId);
      if (refused) {
        host.logger.warn({ requestId: meta.requestId, user: submission.userId }, 'refused a review of SSH keys');
        return submission.show(refused);
      }
      const chosen = readChosenKeys(submission.values);
      await new VpcReviews(host.redis, host.key).set(meta.requestId, meta.accountId, { by: submission.userId, at: new Date(host.now()).toISOString(), chosen });
      // Kept above; the trail says who reviewed, so the checklist stops asking during the grace period.
      await host.reviewed(meta.requestId, `${VPC_REVIEW.system}.${meta.accountId}.${VPC_REVIEW.step}`, submission.userId);
      host.logger.info({ requestId: meta.requestId, accountId: meta.accountId, user: submission.userId, chosen: chosen.length }, 'SSH keys reviewed');
      const names = chosen.map((k) => `${k.name} (${k.region})`).join(', ');
      const said = chosen.length
        ? `${chosen.length} SSH key(s) of account \`${meta.accountId}\` chosen as theirs: ${escapeText(names)}. They are deleted at the delete phase and read back; if the step failed waiting for this review, retry it.`
        : `None of the SSH keys of account \`${meta.accountId}\` is theirs: nothing is deleted there.`;
      const request = await host.store.get(meta.requestId);
      const thread = request?.approvalMessage;
      if (thread)
        await host.slack.chat.postMessage({ channel: thread.channel, thread_ts: thread.ts, text: `<@${submission.userId}> reviewed the SSH keys. ${said}` });
      await submission.show(`:white_check_mark: Recorded. ${said}`);
    },
  },
};
