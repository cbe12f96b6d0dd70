import type { WebClient } from '@slack/web-api';
import type { FeatureButton, FeatureClick } from '../../system-feature.js';
import { SWEEP_JOBS, sweepButtonValue } from './sweep-ids.js';

const DAMAGED = 'This button does not name an identity I can act on, so nothing was done. Use the buttons of the latest sweep digest.';

/** What a sweep button names; a value that names nothing is answered to the clicker and yields nothing. */
async function readValue(click: FeatureClick, log: (msg: string) => void) {
  let parsed;
  try {
    parsed = sweepButtonValue.safeParse(JSON.parse(click.value));
  } catch {
    parsed = undefined;
  }
  if (parsed?.success) return parsed.data;
  log('refused a sweep click whose value names no identity');
  await click.tell(DAMAGED);
  return undefined;
}

/**
 * Offboard on a digest: the request form, pre-filled with the Slack user whose email is exactly
 * the IBM user's or, when no Slack user has it (deactivated in Slack, or never had an account), with
 * that email, as `/offboard jane@acme.com` does; and the reason "Inactive identity". Anyone may file
 * a request, as with `/offboard`.
 */
export const sweepOffboardButton: FeatureButton = async (click, host) => {
  const value = await readValue(click, (msg) => host.logger.warn({ user: click.userId }, msg));
  if (!value) return;
  if (value.k !== 'user' || !value.e) return click.tell(DAMAGED);
  const person = await slackUserWithEmail(host.slack, value.e);
  const reason = 'inactive_identity';
  await host.openRequestForm(click.triggerId, person ? { personId: person, reason } : { personEmail: value.e, reason });
  host.logger.info({ user: click.userId, by: person ? 'slack user' : 'email' }, 'offboarding form opened from the sweep');
};

/** The Slack user whose profile email is exactly this one (letter case aside), not deleted and not a bot. */
async function slackUserWithEmail(slack: WebClient, email: string): Promise<string | undefined> {
  try {
    const { user } = await slack.users.lookupByEmail({ email });
    const exact = user?.id && !user.deleted && !user.is_bot && user.profile?.email?.toLowerCase() === email.toLowerCase();
    return exact ? user.id : undefined;
  } catch (err) {
    if ((err as { data?: { error?: string } }).data?.error === 'users_not_found') return undefined;
    throw err;
  }
}

/**
 * Disable or Enable on a digest or its thread: approvers only, checked with Slack at the click;
 * anyone else is told privately and nothing is queued. The change itself is a job.
 */
export function sweepActionButton(action: 'disable' | 'enable'): FeatureButton {
  return async (click, host) => {
    const value = await readValue(click, (msg) => host.logger.warn({ user: click.userId }, msg));
    if (!value) return;
    if (value.k === 'user') return click.tell(DAMAGED);
    const refused = await host.approverRefusal(click.userId, `${action} keys and service IDs from the sweep`);
    if (refused) {
      host.logger.info({ user: click.userId, action, kind: value.k }, 'refused a sweep action by someone who may not');
      return click.tell(refused);
    }
    const data = { action, account: value.a, kind: value.k, id: value.i, actor: click.userId, channel: click.channelId, threadTs: click.threadTs };
    // The same click twice while the first is in hand acts once (the id names the action and its target).
    await host.enqueue(SWEEP_JOBS.action, data, { jobId: `sweep.${action}.${value.a}.${value.k}.${value.i}` });
    host.logger.info({ user: click.userId, action, kind: value.k, account: value.a }, 'sweep action queued');
    await click.tell(`${action === 'disable' ? 'Disabling' : 'Enabling'} it: the outcome is posted in the thread once IBM Cloud confirms it.`);
  };
}
