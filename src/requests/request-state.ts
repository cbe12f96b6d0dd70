import type { RunView } from '../runs/run-view.js';
import { approvedTerms, termsDigest } from './approval-terms.js';
import type { OffboardRequest } from './request.js';

/**
 * What a request is, as people are told: the stored status made finer by the trail (an approval of
 * the current terms so far, whether the approved run has started, how the last round finished).
 */
export type RequestState =
  | 'pending'
  | 'partly_approved'
  | 'scheduled'
  | 'running'
  | 'disabled'
  | 'completed'
  | 'completed_with_failures'
  | 'reinstated'
  | 'rejected'
  | 'cancelled'
  | 'expired';

export const STATE_LABELS: Record<RequestState, string> = {
  pending: 'waiting for approval',
  partly_approved: 'partly approved',
  scheduled: 'approved and scheduled',
  running: 'running',
  disabled: 'disabled, in its grace period',
  completed: 'completed',
  completed_with_failures: 'completed with failures',
  reinstated: 'reinstated',
  rejected: 'rejected',
  cancelled: 'cancelled',
  expired: 'expired',
};

export function requestState(request: OffboardRequest, view: Pick<RunView, 'preview' | 'approvals' | 'finishes'>): RequestState {
  switch (request.status) {
    case 'pending': {
      const digest = termsDigest(approvedTerms(request, view.preview));
      return view.approvals.some((a) => a.digest === digest) ? 'partly_approved' : 'pending';
    }
    case 'approved':
      return request.runStartedAt ? 'running' : 'scheduled';
    case 'completed':
      return view.finishes.at(-1)?.outcome === 'failures' ? 'completed_with_failures' : 'completed';
    default:
      return request.status;
  }
}

/** States in which the run has not started: the request can still be cancelled. */
export const CANCELLABLE: readonly RequestState[] = ['pending', 'partly_approved', 'scheduled'];
/** States in which the request waits for a decision: it is reminded, escalated, expired. */
export const UNDECIDED: readonly RequestState[] = ['pending', 'partly_approved'];
/** States in which the requester can move when access ends: until the run starts (an approved one is asked again). */
export const RESCHEDULABLE: readonly RequestState[] = ['pending', 'partly_approved', 'scheduled'];

/** Why `action` is not valid for a request in `state`. */
export function notInState(id: string, state: RequestState, action: string): string {
  const started = ['running', 'disabled', 'completed', 'completed_with_failures', 'reinstated'].includes(state);
  const why = started ? `it is ${STATE_LABELS[state]}, and its run has started` : `it is ${STATE_LABELS[state]}`;
  return `${id} cannot be ${action}: ${why}.`;
}
