import type { App } from '@slack/bolt';
import { answering } from '../src/slack/bolt-errors.js';
import { escapeText } from '../src/slack/blocks/block-kit.js';
import { ACTIONS, COMMAND, FIELDS, inputAction, VIEWS } from '../src/slack/blocks/ids.js';
import { appHomeOpened } from './app-home-opened.js';
import { approveButton } from './approve-button.js';
import { approveConfirmation } from './approve-confirmation.js';
import { manageButton } from './manage-button.js';
import { manageSubmission } from './manage-submission.js';
import type { CommandDeps } from './deps.js';
import { offboardCommand } from './offboard-command.js';
import { personPickedInForm } from './person-picked.js';
import { rejectButton } from './reject-button.js';
import { rejectSubmission } from './reject-submission.js';
import { decisionNotice, evidenceNotice } from './decision-notice.js';
import { requestButton } from './request-button.js';
import type { RetryOutcome } from '../src/requests/request-lifecycle.js';
import { requestSubmission } from './request-submission.js';
import { featureButton, featureSubmission } from './feature-listeners.js';
import { retryStepButton } from './retry-step-button.js';
import { rotatedMyselfButton, rotateForMeButton, rotationNotNeededButton, rotationNoteSubmission, rotationSwitchedButton } from './rotation-buttons.js';
import { taskDoneButton, taskNotApplicableButton, taskNoteSubmission } from './task-buttons.js';

/** The one place where Slack ids are bound to listeners; `answering` lets the global error path see each answer. */
export function registerCommands(app: App, deps: CommandDeps): void {
  const on = answering;
  app.command(COMMAND, on(offboardCommand(deps)));
  app.view(VIEWS.request, on(requestSubmission(deps)));
  // People picked in the form are looked up while the rest is filled in.
  const picked = on(personPickedInForm(deps));
  app.action(inputAction(FIELDS.person), picked);
  app.action(inputAction(FIELDS.successor), picked);
  // Approve: decided on the server at click time under the request's rule; repeated or concurrent clicks start one run.
  app.action(ACTIONS.approve, on(approveButton(deps)));
  app.view(VIEWS.confirmApproval, on(approveConfirmation(deps)));
  // Until the run starts: the requester or an approver cancels, the requester reschedules (approvers are asked again).
  app.action(ACTIONS.cancel, on(manageButton(deps, 'cancel')));
  app.view(VIEWS.cancel, on(manageSubmission(deps, 'cancel')));
  app.action(ACTIONS.reschedule, on(manageButton(deps, 'reschedule')));
  app.view(VIEWS.reschedule, on(manageSubmission(deps, 'reschedule')));
  app.action(ACTIONS.reject, on(rejectButton(deps)));
  app.view(VIEWS.reject, on(rejectSubmission(deps)));
  // Buttons that start a further round: Retry failed steps, Reinstate, End grace period now.
  const round = (name: string, start: (id: string, user: string) => Promise<RetryOutcome>) =>
    on(
      requestButton(deps, name, start, (o) =>
        o.kind === 'started'
          ? o.note
            ? escapeText(o.note)
            : undefined
          : o.kind === 'refused'
            ? decisionNotice(o, deps.directory.describeApprovers())
            : escapeText(o.reason),
      ),
    );
  app.action(
    ACTIONS.retry,
    round('retry', (id, user) => deps.lifecycle.retryFailed(id, user)),
  );
  app.action(
    ACTIONS.retryBatch,
    round('retry bulk', (id, user) => deps.lifecycle.retryFailedBatch(id, user)),
  );
  app.action(ACTIONS.retryStep, on(retryStepButton(deps)));
  app.action(
    ACTIONS.reinstate,
    round('reinstate', (id, user) => deps.lifecycle.reinstate(id, user)),
  );
  app.action(
    ACTIONS.endGrace,
    round('end grace period', (id, user) => deps.lifecycle.endGracePeriod(id, user)),
  );
  // Evidence, for approvers and compliance: a download, or the pack made again where every upload failed.
  app.action(ACTIONS.downloadEvidence, on(requestButton(deps, 'evidence download', (id, user) => deps.evidence.download(id, user, 'button'), evidenceNotice)));
  app.action(ACTIONS.generateReport, on(requestButton(deps, 'generate report', (id, user) => deps.evidence.generate(id, user), evidenceNotice)));
  // Manual tasks: Done at once; Not applicable asks for a note. Who may attest is decided at click time.
  app.action(ACTIONS.taskDone, on(taskDoneButton(deps)));
  app.action(ACTIONS.taskNotApplicable, on(taskNotApplicableButton(deps)));
  app.view(VIEWS.taskNote, on(taskNoteSubmission(deps)));
  // Rotation tasks of handed-over credentials: Rotated myself at once; Not needed asks for the reason.
  app.action(ACTIONS.rotatedMyself, on(rotatedMyselfButton(deps)));
  app.action(ACTIONS.rotationNotNeeded, on(rotationNotNeededButton(deps)));
  app.action(ACTIONS.rotateForMe, on(rotateForMeButton(deps)));
  app.action(ACTIONS.rotationSwitched, on(rotationSwitchedButton(deps)));
  app.view(VIEWS.rotationNote, on(rotationNoteSubmission(deps)));
  // The systems' own buttons (their features), every action id under a switched-on system's id.
  if (deps.features.actionIds) app.action(deps.features.actionIds, on(featureButton(deps)));
  // Their modals, every callback id under a switched-on system's id.
  if (deps.features.actionIds) app.view(deps.features.actionIds, on(featureSubmission(deps)));
  // Bolt acknowledges events itself, before any listener runs.
  app.event('app_home_opened', appHomeOpened(deps));
}
