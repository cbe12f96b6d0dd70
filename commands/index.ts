import type { App } from '@slack/bolt';
import { ACTIONS, COMMAND, VIEWS } from '../src/slack/blocks/ids.js';
import { appHomeOpened } from './app-home-opened.js';
import { approveButton } from './approve-button.js';
import type { CommandDeps } from './deps.js';
import { offboardCommand } from './offboard-command.js';
import { rejectButton } from './reject-button.js';
import { rejectSubmission } from './reject-submission.js';
import { retryButton } from './retry-button.js';
import { requestSubmission } from './request-submission.js';

/** The one place where Slack ids are bound to listeners. */
export function registerCommands(app: App, deps: CommandDeps): void {
  app.command(COMMAND, offboardCommand(deps));
  app.view(VIEWS.request, requestSubmission(deps));
  app.action(ACTIONS.approve, approveButton(deps));
  app.action(ACTIONS.reject, rejectButton(deps));
  app.view(VIEWS.reject, rejectSubmission(deps));
  app.action(ACTIONS.retry, retryButton(deps));
  app.event('app_home_opened', appHomeOpened(deps));
}
