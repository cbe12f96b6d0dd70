import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { appHome } from '../src/slack/blocks/app-home.js';
import { appHomeOpenedEvent } from '../src/slack/payloads.js';
import type { CommandDeps } from './deps.js';

/** How far back the tab looks; its sections each show the newest few of these. */
const RECENT = 100;

/** The App Home tab, scoped to who opens it (events are acknowledged by Bolt before this runs). */
export function appHomeOpened(deps: CommandDeps) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    const parsed = appHomeOpenedEvent.safeParse(event);
    if (!parsed.success || parsed.data.tab !== 'home') return;
    const userId = parsed.data.user;
    const [{ requests, unreadable }, isApprover] = await Promise.all([deps.store.recentReadable(RECENT), approver(deps, userId)]);
    if (unreadable.length) deps.logger.error({ requestIds: unreadable }, 'requests that no longer read back were left out of App Home');
    await client.views.publish({ user_id: userId, view: appHome(requests, { userId, isApprover }) });
  };
}

/** When Slack cannot say, the person sees only their own requests. */
async function approver(deps: CommandDeps, userId: string): Promise<boolean> {
  try {
    return await deps.directory.isApprover(userId);
  } catch (err) {
    deps.logger.warn({ userId, err: (err as Error).message }, 'could not check approvers for App Home');
    return false;
  }
}
