import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../jobs/systems.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { readIbmCloudSettings } from '../../src/connectors/ibm-cloud/settings.js';
import { COMPLETE_ENV } from '../support/config-env.js';

const ENV = COMPLETE_ENV;

describe('the sweep settings', () => {
  it('default to no schedule, UTC, 30 days and a first wait of 5 s', () => {
    const settings = readIbmCloudSettings(ENV);
    expect(settings).toMatchObject({ sweep: { tz: 'UTC', inactiveDays: 30, pollMs: 5_000 } });
    expect('sweep' in settings && settings.sweep.cron).toBeUndefined();
  });

  it('list every problem at start-up, naming the setting and never its value', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ ...ENV, OFFBOARD_SWEEP_CRON: 'every monday', OFFBOARD_SWEEP_TZ: 'Mars/Olympus', OFFBOARD_SWEEP_INACTIVE_DAYS: '0' }, SYSTEMS);
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      expect.stringContaining('OFFBOARD_SWEEP_CRON must be a cron pattern'),
      expect.stringContaining('OFFBOARD_SWEEP_TZ must be an IANA time zone'),
      expect.stringContaining('OFFBOARD_SWEEP_INACTIVE_DAYS must be at least 1'),
    ]);
  });

  it('take a cron pattern in a time zone', () => {
    expect(readIbmCloudSettings({ ...ENV, OFFBOARD_SWEEP_CRON: ' 0 7 * * 1 ', OFFBOARD_SWEEP_TZ: 'Europe/Berlin' })).toMatchObject({
      sweep: { cron: '0 7 * * 1', tz: 'Europe/Berlin' },
    });
  });
});
