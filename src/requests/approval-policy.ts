import type { OffboardRequest } from './request.js';

/**
 * Why `actorId` may not decide on `request`, or undefined when they may. Checked on the server
 * at click time; the buttons themselves prove nothing.
 */
export function refusalReason(request: OffboardRequest, actorId: string, isApprover: boolean): string | undefined {
  if (actorId === request.subject.slackUserId) return 'You cannot decide on your own offboarding.';
  if (actorId === request.requester.slackUserId) return 'You requested this offboarding, so another approver must decide on it.';
  if (!isApprover) return 'Only offboarding approvers can decide on offboarding requests.';
  return undefined;
}
