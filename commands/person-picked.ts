import type { AllMiddlewareArgs, SlackActionMiddlewareArgs } from '@slack/bolt';
import { personPicked } from '../src/slack/payloads.js';
import type { CommandDeps } from './deps.js';

/**
 * Someone picked in the request form (who is leaving, who takes over): looked up now, while the
 * rest of the form is filled in, so the submission can be answered from what the directory already
 * holds, problems in the modal included. Nothing is shown: the submission says what is wrong, if anything.
 */
export function personPickedInForm(deps: CommandDeps) {
  return async ({ ack, body }: SlackActionMiddlewareArgs & AllMiddlewareArgs) => {
    await ack();
    const parsed = personPicked.safeParse(body);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'ignored a malformed pick in the request form');
      return;
    }
    const { user, actions } = parsed.data;
    const picked = actions[0].selected_user;
    // After the ack, so nobody waits on it. A lookup that fails now is asked again by the submission.
    const looked = await Promise.allSettled([user.id, ...(picked ? [picked] : [])].map((id) => deps.directory.person(id)));
    const failed = looked.filter((r) => r.status === 'rejected').length;
    if (failed) deps.logger.info({ user: user.id, failed }, 'could not look up someone picked in the form; the submission will ask again');
  };
}
