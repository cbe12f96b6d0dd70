import { isAbout, type OffboardRequest } from './request.js';

/** Who is looking at requests (App Home, `/offboard list`, `/offboard status`), with the roles Slack gave them just now. */
export interface Viewer {
  userId: string;
  isApprover: boolean;
  isCompliance: boolean;
  /** The email on their Slack profile: a request filed by email about them is about them too. */
  email?: string;
}

/**
 * Approvers and compliance see every request, anyone else the requests they made; nobody sees a
 * request about themselves (by Slack user id or by email), whatever their role.
 */
export function mayView(viewer: Viewer, r: OffboardRequest): boolean {
  if (isAbout(r, { slackUserId: viewer.userId, email: viewer.email })) return false;
  return viewer.isApprover || viewer.isCompliance || r.requester.slackUserId === viewer.userId;
}
