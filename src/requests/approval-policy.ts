import type { OffboardRequest } from './request.js';

/**
 * Why `actorId` may not decide on `request`, or undefined when they may; `notApprover` says who may
 * (the rule's approver groups). Checked on the server
 * at click time; the buttons themselves prove nothing.
 */
export function refusalReason(
  request: OffboardRequest,
  actorId: string,
  isApprover: boolean,
  notApprover = 'Only offboarding approvers can decide on offboarding requests.',
): string | undefined {
  if (actorId === request.subject.slackUserId) return 'You cannot decide on your own offboarding.';
  if (actorId === request.requester.slackUserId) return 'You requested this offboarding, so another approver must decide on it.';
  if (!isApprover) return notApprover;
  return undefined;
}

/**
 * Why someone about whom an offboarding request is open (`openAboutThem`, its id; see
 * RequestStore.openAbout) may not act on any request or its evidence, or undefined when none is:
 * whoever is being offboarded, an approver disabled for cause included, keeps no power in the bot.
 * The reason names no request: it may be one they have not been told of.
 */
export function beingOffboardedReason(openAboutThem: string | undefined): string | undefined {
  if (openAboutThem === undefined) return undefined;
  return 'An offboarding request about you is open, so you cannot act on offboarding requests or their evidence until it is closed.';
}
