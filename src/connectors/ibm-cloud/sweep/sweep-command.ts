import { COMMAND } from '../../../slack/blocks/ids.js';
import type { FeatureVerb } from '../../system-feature.js';
import { SWEEP_JOBS } from './sweep-ids.js';

/** `/offboard sweep`: the inactive-identities sweep at once, for approvers; anyone else is told why not, and nothing is queued. */
export const sweepVerb: FeatureVerb = {
  help: `\`${COMMAND} sweep\`: the inactive-identities sweep of IBM Cloud now, one digest per account in the approval channel (approvers)`,
  async run({ userId, reply }, host) {
    const refused = await host.approverRefusal(userId, 'run the inactive-identities sweep');
    if (refused) {
      host.logger.info({ user: userId }, 'refused a sweep asked for by someone who may not');
      return reply(refused);
    }
    // One per click: a second ask while one runs queues its accounts' jobs under the same ids, so it joins the first.
    await host.enqueue(SWEEP_JOBS.run, { actor: userId }, { jobId: `sweep.now.${host.now()}.${userId}`, keepFailed: true });
    host.logger.info({ user: userId }, 'inactive-identities sweep asked for');
    await reply(
      `The inactive-identities sweep has started: IBM Cloud prepares a report for each account, and a digest of each is posted in <#${host.channel}> when it is ready. An unchanged digest is not posted again.`,
    );
  },
};
