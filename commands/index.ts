import type { App } from '@slack/bolt';
import { answering } from '../src/slack/bolt-errors.js';
import { ACTIONS, COMMAND, VIEWS } from '../src/slack/blocks/ids.js';
import { appHomeOpened } from './app-home-opened.js';
import { approveButton } from './approve-button.js';
import type { CommandDeps } from './deps.js';
import { downloadEvidenceButton } from './download-evidence-button.js';
import { generateReportButton } from './generate-report-button.js';
import { offboardCommand } from './offboard-command.js';
import { rejectButton } from './reject-button.js';
import { rejectSubmission } from './reject-submission.js';
import { roundButton } from './round-button.js';
import { requestSubmission } from './request-submission.js';

/** The one place where Slack ids are bound to listeners; `answering` lets the global error path see each answer. */
export function registerCommands(app: App, deps: CommandDeps): void {
  app.command(COMMAND, answering(offboardCommand(deps)));
  app.view(VIEWS.request, answering(requestSubmission(deps)));
  app.action(ACTIONS.approve, answering(approveButton(deps)));
  app.action(ACTIONS.reject, answering(rejectButton(deps)));
  app.view(VIEWS.reject, answering(rejectSubmission(deps)));
  app.action(ACTIONS.retry, answering(roundButton(deps, 'retry', (id, user) => deps.lifecycle.retryFailed(id, user))));
  app.action(ACTIONS.reinstate, answering(roundButton(deps, 'reinstate', (id, user) => deps.lifecycle.reinstate(id, user))));
  app.action(ACTIONS.endGrace, answering(roundButton(deps, 'end grace period', (id, user) => deps.lifecycle.endGracePeriod(id, user))));
  app.action(ACTIONS.downloadEvidence, answering(downloadEvidenceButton(deps)));
  app.action(ACTIONS.generateReport, answering(generateReportButton(deps)));
  app.event('app_home_opened', appHomeOpened(deps));
}
