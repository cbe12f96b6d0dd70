import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { appHome } from '../src/slack/blocks/app-home.js';
import type { CommandDeps } from './deps.js';

export function appHomeOpened(deps: CommandDeps) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    if (event.tab !== 'home') return;
    await client.views.publish({ user_id: event.user, view: appHome(await deps.store.recent(15)) });
  };
}
