import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { validateRequest } from '../src/requests/validate-request.js';
import { FIELDS } from '../src/slack/blocks/ids.js';
import { submittedView } from '../src/slack/blocks/submitted-view.js';
import { readRequestForm } from '../src/slack/request-form.js';
import type { CommandDeps } from './deps.js';

/** The request modal's submit: errors go back into the modal; a valid request is stored, then announced. */
export function requestSubmission(deps: CommandDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs & AllMiddlewareArgs) => {
    const requester = await deps.directory.person(body.user.id);
    if (!requester) return ack({ response_action: 'errors', errors: { [FIELDS.person]: 'Slack could not tell me who you are; try again.' } });
    const checked = await validateRequest(readRequestForm(view.state.values), {
      requester,
      lookup: (id) => deps.directory.person(id),
      now: deps.now(),
    });
    if (!checked.ok) return ack({ response_action: 'errors', errors: checked.errors as Record<string, string> });
    const request = await deps.lifecycle.submit(checked.request);
    await ack({ response_action: 'update', view: submittedView(request, deps.approvalChannel) });
    await deps.lifecycle.announce(request);
    deps.logger.info({ requestId: request.id, requester: requester.id }, 'offboarding requested');
  };
}
