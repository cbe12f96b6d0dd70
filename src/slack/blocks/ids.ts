/** Ids shared by the Block Kit builders and the listeners that handle them. */
export const COMMAND = '/offboard';

export const VIEWS = {
  request: 'offboard_request',
  reject: 'offboard_reject',
  confirmApproval: 'offboard_confirm_approval',
  cancel: 'offboard_cancel_request',
  reschedule: 'offboard_reschedule',
  taskNote: 'offboard_task_note',
  rotationNote: 'offboard_rotation_note',
} as const;

export const ACTIONS = {
  approve: 'offboard_approve',
  reject: 'offboard_reject',
  retry: 'offboard_retry',
  /** On a bulk request's checklist: the failed steps of everyone in it. */
  retryBatch: 'offboard_retry_batch',
  reinstate: 'offboard_reinstate',
  endGrace: 'offboard_end_grace',
  retryStep: 'offboard_retry_step',
  cancel: 'offboard_cancel',
  reschedule: 'offboard_reschedule',
  downloadEvidence: 'offboard_download_evidence',
  generateReport: 'offboard_generate_report',
  taskDone: 'offboard_task_done',
  taskNotApplicable: 'offboard_task_not_applicable',
  rotatedMyself: 'offboard_rotated_myself',
  rotationNotNeeded: 'offboard_rotation_not_needed',
  /** The bot makes the replacement (Rotate for me), and, once it is made, the successor says they switched to it. */
  rotateForMe: 'offboard_rotate_for_me',
  rotationSwitched: 'offboard_rotation_switched',
} as const;

/** Input block ids of the request modal; modal errors are keyed by these. */
export const FIELDS = {
  person: 'person',
  personEmail: 'person_email',
  /** Everyone else leaving with the person: a bulk request, one approval for all. */
  others: 'others',
  /** Others leaving with them, by email (one a line), for those who cannot be picked. */
  otherEmails: 'other_emails',
  reason: 'reason',
  timing: 'timing',
  effectiveAt: 'effective_at',
  disposition: 'disposition',
  graceDays: 'grace_days',
  successor: 'successor',
  created: 'created',
  ticket: 'ticket',
  notes: 'notes',
  rejectReason: 'reject_reason',
  confirmation: 'approve_confirmation',
  cancelReason: 'cancel_reason',
  /** On a bulk request's cancel form: this person only, or everyone in it. */
  cancelScope: 'cancel_scope',
  taskNote: 'task_note',
} as const;

/** Each input block holds one element; its action id is the block id with this suffix. */
export const inputAction = (block: string) => `${block}_input`;
