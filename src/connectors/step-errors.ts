/**
 * The two kinds of failure every connector call is classified into, once, at the client edge.
 * Retrying belongs to BullMQ: a RetryableError is retried with backoff (or after Retry-After),
 * a PermanentError fails the step at once with its reason.
 */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableError';
  }
}

export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentError';
  }
}

/** The read-back never showed the change within the configured bound. */
export class NotConfirmedError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = 'NotConfirmedError';
  }
}
