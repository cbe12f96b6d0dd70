import type { OffboardRequest } from '../../src/requests/request.js';

/** A submitted request for Jane Doe, as the store would hold it; override what a case needs. */
export function sampleRequest(overrides: Partial<OffboardRequest> = {}): OffboardRequest {
  return {
    id: 'OFF-ABC123',
    subject: { slackUserId: 'U0JANE001', name: 'Jane Doe', email: 'jane.doe@acme.example' },
    requester: { slackUserId: 'U0MORGAN1', name: 'Morgan Manager' },
    reason: 'resignation',
    effectiveAt: null,
    disposition: { kind: 'disable_then_delete', graceDays: 30 },
    successorSlackUserId: 'U0TAYLOR1',
    ticket: 'HR-1',
    notes: '',
    createdAt: '2026-11-23T10:00:00.000Z',
    status: 'pending',
    ...overrides,
  };
}
