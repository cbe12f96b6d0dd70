import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { z } from 'zod';
import { escapeText } from '../src/slack/blocks/block-kit.js';
import { requestModal } from '../src/slack/blocks/request-modal.js';
import { sweepButtonValue, sweepClick } from '../src/slack/payloads.js';
import { tellClicker } from './click-notice.js';
import type { CommandDeps } from './deps.js';
import { sweepRefusal } from './sweep-command.js';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
type SweepClick = z.infer<typeof sweepClick>;
type SweepValue = z.infer<typeof sweepButtonValue>;

const DAMAGED = 'This button does not name an identity I can act on, so nothing was done. Use the buttons of the latest sweep digest.';

/** A sweep button's click and what it names; a malformed one is answered where it came from and yields nothing. */
async function readSweepClick(body: unknown, { client, logger }: { client: Args['client']; logger: CommandDeps['logger'] }) {
  const click = sweepClick.safeParse(body);
  if (!click.success) {
    logger.warn({ issues: click.error.issues.map((i) => i.path.join('.')) }, 'ignored a sweep click Slack did not send in its usual form');
    return undefined;
  }
  let value: SweepValue | undefined;
  try {
    const parsed = sweepButtonValue.safeParse(JSON.parse(click.data.actions[0].value));
    value = parsed.success ? parsed.data : undefined;
  } catch {
    value = undefined;
  }
  if (!value) {
    logger.warn({ user: click.data.user.id }, 'refused a sweep click whose value names no identity');
    await tellClicker(client, click.data, DAMAGED);
    return undefined;
  }
  return { click: click.data, value };
}

/**
 * Offboard on a digest: the request form, pre-filled with the Slack user whose email is exactly
 * the IBM user's and the reason "Inactive identity". Anyone may file a request, as with `/offboard`.
 */
export function sweepOffboardButton(deps: CommandDeps) {
  return async ({ ack, body, client }: Args) => {
    await ack();
    const read = await readSweepClick(body, { client, logger: deps.logger });
    if (!read) return;
    const { click, value } = read;
    if (value.k !== 'user' || !value.e) return tellClicker(client, click, DAMAGED);
    const person = await slackUserWithEmail(client, value.e);
    if (!person) {
      return tellClicker(
        client,
        click,
        `Nobody in this Slack workspace has the email ${escapeText(value.e)}, so the form cannot name them. Once you know who they are in Slack, use \`/offboard @person\`.`,
      );
    }
    await client.views.open({ trigger_id: click.trigger_id, view: requestModal({ personId: person, reason: 'inactive_identity' }) });
    deps.logger.info({ user: click.user.id }, 'offboarding form opened from the sweep');
    // Looked up while the form is filled in, as /offboard @person does.
    await Promise.allSettled([click.user.id, person].map((id) => deps.directory.person(id)));
  };
}

/** The Slack user whose profile email is exactly this one (letter case aside), not deleted and not a bot. */
async function slackUserWithEmail(client: Args['client'], email: string): Promise<string | undefined> {
  try {
    const { user } = await client.users.lookupByEmail({ email });
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
export function sweepActionButton(deps: CommandDeps, action: 'disable' | 'enable') {
  return async ({ ack, body, client }: Args) => {
    await ack();
    const read = await readSweepClick(body, { client, logger: deps.logger });
    if (!read) return;
    const { click, value } = read;
    if (value.k === 'user') return tellClicker(client, click, DAMAGED);
    if (!deps.sweeps) return tellClicker(client, click, 'IBM Cloud is not switched on here, so nothing was done.');
    const refused = await sweepRefusal(deps, click.user.id, `${action} keys and service IDs from the sweep`);
    if (refused) {
      deps.logger.info({ user: click.user.id, action, kind: value.k }, 'refused a sweep action by someone who may not');
      return tellClicker(client, click, refused);
    }
    await deps.sweeps.act({ action, account: value.a, kind: value.k, id: value.i, actor: click.user.id, channel: click.channel.id, threadTs: threadOf(click) });
    deps.logger.info({ user: click.user.id, action, kind: value.k, account: value.a }, 'sweep action queued');
    await tellClicker(client, click, `${action === 'disable' ? 'Disabling' : 'Enabling'} it: the outcome is posted in the thread once IBM Cloud confirms it.`);
  };
}

const threadOf = (click: SweepClick) => click.message.thread_ts ?? click.message.ts;
