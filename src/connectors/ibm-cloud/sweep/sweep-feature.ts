import type { SystemFeature } from '../../system-feature.js';
import type { IbmCloudClient } from '../ibm-cloud-client.js';
import { sweepActionButton, sweepOffboardButton } from './sweep-buttons.js';
import { sweepVerb } from './sweep-command.js';
import { SWEEP_BUTTONS, SWEEP_JOBS, SWEEP_SCHEDULE } from './sweep-ids.js';
import { sweepJobs } from './sweep-jobs.js';
import type { SweepSettings } from './sweep-settings.js';

/**
 * The inactive-identities sweep: on OFFBOARD_SWEEP_CRON or `/offboard sweep`, each account's IAM
 * activity report becomes one digest in the approval channel, whose buttons offboard a person or
 * disable (and enable again) a key or service ID.
 */
export function sweepFeature(accounts: readonly string[], settings: SweepSettings): SystemFeature<IbmCloudClient> {
  return {
    name: 'sweep',
    jobs: sweepJobs(accounts, settings),
    // Unset cron: no schedule (the worker removes one an earlier configuration left).
    schedules: settings.cron ? [{ id: SWEEP_SCHEDULE, cron: settings.cron, tz: settings.tz, job: SWEEP_JOBS.run, data: { actor: 'schedule' } }] : [],
    verbs: { sweep: sweepVerb },
    buttons: {
      [SWEEP_BUTTONS.offboard]: sweepOffboardButton,
      [SWEEP_BUTTONS.disable]: sweepActionButton('disable'),
      [SWEEP_BUTTONS.enable]: sweepActionButton('enable'),
    },
  };
}
