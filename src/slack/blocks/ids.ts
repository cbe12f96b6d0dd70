/** Ids shared by the Block Kit builders and the listeners that handle them. */
export const COMMAND = '/offboard';

export const VIEWS = {
  request: 'offboard_request',
  reject: 'offboard_reject',
  taskNote: 'offboard_task_note',
} as const;

export const ACTIONS = {
  approve: 'offboard_approve',
  reject: 'offboard_reject',
  retry: 'offboard_retry',
  reinstate: 'offboard_reinstate',
  endGrace: 'offboard_end_grace',
  downloadEvidence: 'offboard_download_evidence',
  generateReport: 'offboard_generate_report',
  taskDone: 'offboard_task_done',
  taskNotApplicable: 'offboard_task_not_applicable',
} as const;

/** Input block ids of the request modal; modal errors are keyed by these. */
export const FIELDS = {
  person: 'person',
  reason: 'reason',
  timing: 'timing',
  effectiveAt: 'effective_at',
  disposition: 'disposition',
  graceDays: 'grace_days',
  successor: 'successor',
  ticket: 'ticket',
  notes: 'notes',
  rejectReason: 'reject_reason',
  taskNote: 'task_note',
} as const;

/** Each input block holds one element; its action id is the block id with this suffix. */
export const inputAction = (block: string) => `${block}_input`;
