import { z } from 'zod';

export const QUEUES = {
  /** One job per system step; the per-account membership step is the parent of that account's other steps. */
  revocations: 'offboard-revocations',
  /** One parent job per run: it waits for every step, then publishes the evidence. */
  runs: 'offboard-runs',
  /** A read-only inventory per submitted request, so approvers see what will be touched. */
  previews: 'offboard-previews',
} as const;

export const PREVIEW_JOB = 'preview';

export const FINISH_RUN_JOB = 'finish-run';

export const stepJobDataSchema = z.object({
  requestId: z.string(),
  system: z.string(),
  scope: z.string(),
  step: z.string(),
  title: z.string(),
});
export type StepJobData = z.infer<typeof stepJobDataSchema>;

/** Jobs that only need to know their request: finishing a run, previewing one. */
export const requestJobDataSchema = z.object({ requestId: z.string() });
