/**
 * The start of an approved run fired before the request's effective time: a start left from before
 * the request was rescheduled to later. The job waits (a delayed job) until `at`, starting nothing.
 */
export class NotDueError extends Error {
  constructor(readonly at: number) {
    super(`the run is not due until ${new Date(at).toISOString()}`);
    this.name = 'NotDueError';
  }
}
