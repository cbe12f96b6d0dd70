import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../jobs/systems.js';
import { CONFIG_DOC_PATH, configurationDoc, undescribed } from '../../scripts/config-docs.js';
import { botVariables } from '../../src/config/config.js';

describe('docs/configuration.md', () => {
  it('is exactly what `npm run docs:config` prints from the schemas: a setting changed in code and not in the page fails here', () => {
    expect(readFileSync(CONFIG_DOC_PATH, 'utf8'), 'docs/configuration.md is stale: run npm run docs:config').toBe(configurationDoc());
  });

  it('describes every variable the bot and every registered system read, so none is listed without its meaning', () => {
    expect(undescribed(botVariables)).toEqual([]);
    for (const module of SYSTEMS) {
      expect(undescribed(module.variables), module.title).toEqual([]);
      expect(Object.keys(module.variables.shape), `${module.title}'s switch is one of its variables`).toContain(module.switchedOnBy);
    }
  });

  it('lists every variable with its default, what unset means, or that it is required, as validation has it', () => {
    const doc = configurationDoc();
    expect(doc).toContain('| `SLACK_BOT_TOKEN` | required |');
    expect(doc).toContain('| `OFFBOARD_JOB_ATTEMPTS` | `25` |');
    expect(doc).toContain('| `OFFBOARD_RESCAN_AFTER` | `1h,1d,7d,30d` |');
    expect(doc).toContain('| `OFFBOARD_DASHBOARD_PASSWORD` | required with the port |');
    expect(doc).toContain('| `OFFBOARD_EVIDENCE_DIR` | unset |');
    for (const module of SYSTEMS) {
      expect(doc).toContain(`## ${module.title}\n\nSwitched on by \`${module.switchedOnBy}\``);
      for (const name of Object.keys(module.variables.shape)) expect(doc).toContain(`| \`${name}\` |`);
    }
    for (const name of Object.keys(botVariables.shape)) expect(doc).toContain(`| \`${name}\` |`);
  });
});
