import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { appHome } from '../src/slack/blocks/app-home.js';
import { appHomeOpenedEvent } from '../src/slack/payloads.js';
import type { CommandDeps } from './deps.js';
import { readViewer } from './viewer.js';

/** How far back the tab looks; each of its lists shows the newest of these and counts the rest. */
const RECENT = 500;

/** The App Home tab, scoped to who opens it and their roles (events are acknowledged by Bolt before this runs). */
export function appHomeOpened(deps: CommandDeps) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    const parsed = appHomeOpenedEvent.safeParse(event);
    if (!parsed.success || parsed.data.tab !== 'home') return;
    const userId = parsed.data.user;
    const [{ requests, unreadable }, viewer] = await Promise.all([deps.store.recentReadable(RECENT), readViewer(deps, userId)]);
    if (unreadable.length) deps.logger.error({ requestIds: unreadable }, 'requests that no longer read back were left out of App Home');
    await client.views.publish({ user_id: userId, view: appHome(requests, viewer) });
  };
}
