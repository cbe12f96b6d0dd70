/** The deadline ran out before Slack answered; the caller decides what to do instead. */
export class LookupTimeout extends Error {
  constructor(ms: number) {
    super(`Slack did not answer within ${ms} ms`);
    this.name = 'LookupTimeout';
  }
}

export interface LookupBudget {
  /** `work`, or a LookupTimeout once the budget's deadline has passed. */
  run<T>(work: Promise<T>): Promise<T>;
  /** Stops the clock once nothing more will be looked up. */
  end(): void;
}

/**
 * One deadline shared by every Slack lookup of one submission, however many there are: a modal
 * showing "Checking…" is updated with an outcome within it, even if that outcome is "submit again".
 */
export function lookupBudget(ms: number): LookupBudget {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LookupTimeout(ms)), ms);
  });
  // Nobody may be waiting when it fires; the rejection then means nothing.
  expired.catch(() => undefined);
  return {
    run: (work) => Promise.race([work, expired]),
    end: () => clearTimeout(timer),
  };
}
