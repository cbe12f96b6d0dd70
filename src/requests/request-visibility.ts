import type { OffboardRequest } from './request.js';

/** Who is looking at requests (App Home, `/offboard list`, `/offboard status`), with the roles Slack gave them just now. */
export interface Viewer {
  userId: string;
  isApprover: boolean;
  isCompliance: boolean;
}

/**
 * Approvers and compliance see every request, anyone else the requests they made; nobody sees a
 * request about themselves, whatever their role.
 */
export function mayView(viewer: Viewer, r: OffboardRequest): boolean {
  if (r.subject.slackUserId === viewer.userId) return false;
  return viewer.isApprover || viewer.isCompliance || r.requester.slackUserId === viewer.userId;
}
