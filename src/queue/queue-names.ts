import { z } from 'zod';

export const QUEUES = {
  /** One job per system step; the per-account membership step is the parent of that account's other steps. */
  revocations: 'offboard-revocations',
  /** One parent job per run: it waits for every step, then publishes the evidence. */
  runs: 'offboard-runs',
} as const;

export const FINISH_RUN_JOB = 'finish-run';

export const stepJobDataSchema = z.object({
  requestId: z.string(),
  system: z.string(),
  scope: z.string(),
  step: z.string(),
  title: z.string(),
});
export type StepJobData = z.infer<typeof stepJobDataSchema>;

export const finishRunDataSchema = z.object({ requestId: z.string() });
export type FinishRunData = z.infer<typeof finishRunDataSchema>;
