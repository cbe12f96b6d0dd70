import { z } from 'zod';
import { featureActionId, featureJobName } from '../../system-feature.js';

/** IBM Cloud's system id, as the host puts it in front of the sweep's names (its module is ../system.ts). */
const SYSTEM = 'ibm-cloud';
const FEATURE = 'sweep';

/** Buttons of the inactive-identities digest and its thread. */
export const SWEEP_BUTTONS = { offboard: 'offboard', disable: 'disable', enable: 'enable' } as const;
/** Their action ids, as the digest's builders set them. */
export const SWEEP_ACTIONS = {
  offboard: featureActionId(SYSTEM, FEATURE, SWEEP_BUTTONS.offboard),
  disable: featureActionId(SYSTEM, FEATURE, SWEEP_BUTTONS.disable),
  enable: featureActionId(SYSTEM, FEATURE, SWEEP_BUTTONS.enable),
} as const;

/** The sweep's jobs on the shared queue (the host prefixes them with the system's id). */
export const SWEEP_JOBS = {
  /** The scheduled or asked-for run, which queues one job per account. */
  run: 'sweep',
  /** One account's sweep: asks IAM for the report, reads it until ready (each wait a delay), posts the digest. */
  account: 'sweep-account',
  /** Disable or Enable of a key or service ID, clicked on a digest by an approver. */
  action: 'sweep-action',
} as const;

/** The schedule (OFFBOARD_SWEEP_CRON), and the id of its job scheduler on the shared queue. */
export const SWEEP_SCHEDULE = 'sweep';
export const SWEEP_SCHEDULER = featureJobName(SYSTEM, SWEEP_SCHEDULE);

/** The sweep's own Redis keys, under the host's (FeatureHost.key) or, outside a process, under the bot's. */
export const sweepKey = (key: (part: string) => string) => (part: string) => key(`${FEATURE}:${part}`);
export const sweepKeys = (keys: { ofSystem(system: string, part: string): string }) => sweepKey((part) => keys.ofSystem(SYSTEM, part));

export const sweepJobDataSchema = z.object({ actor: z.string() });

export const sweepAccountJobDataSchema = z.object({
  account: z.string(),
  actor: z.string(),
  /** The report this sweep asked for, once asked. */
  reference: z.string().optional(),
  /** Reads of the report so far (its waits double from OFFBOARD_SWEEP_POLL_MS; bounded). */
  polls: z.number().int().min(0).default(0),
});

export const sweepActionJobDataSchema = z.object({
  action: z.enum(['disable', 'enable']),
  account: z.string(),
  kind: z.enum(['user-apikey', 'serviceid-apikey', 'serviceid']),
  id: z.string(),
  actor: z.string(),
  /** Where the outcome is told: the digest's thread. */
  channel: z.string(),
  threadTs: z.string(),
  /** Fixed by the first attempt: the keys it changes, and the target's name. */
  keys: z.array(z.string()).optional(),
  name: z.string().optional(),
  recorded: z.boolean().optional(),
});
export type SweepActionJobData = z.infer<typeof sweepActionJobDataSchema>;

/** What a sweep button's value holds (SweepButtonValue): an account, a kind and an IBM id, and a person's email. */
export const sweepButtonValue = z
  .object({
    a: z.string().regex(/^[a-f0-9]{32}$/),
    k: z.enum(['user', 'user-apikey', 'serviceid-apikey', 'serviceid']),
    i: z.string().regex(/^[\w:.-]{1,200}$/),
    e: z.email().max(254).optional(),
  })
  .strict();
