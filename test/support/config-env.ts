import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { SYSTEMS } from '../../jobs/systems.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';

/** The bot's own settings, with no built-in system switched on. */
export const BOT_ENV: Readonly<Record<string, string>> = {
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-abcdef',
  SLACK_SIGNING_SECRET: 'signing-secret-for-tests',
  OFFBOARD_APPROVAL_CHANNEL: 'C0APPROVAL',
  OFFBOARD_APPROVERS: 'S0ITAPPROV',
};

/** An account id of the shape IBM Cloud gives. */
export const IBM_ACCOUNT = '0123456789abcdef0123456789abcdef';

/** Everything an operator must set for the bot and IBM Cloud in one account, and nothing that has a default. */
export const COMPLETE_ENV: Readonly<Record<string, string>> = {
  ...BOT_ENV,
  IBMCLOUD_API_KEY: 'ibm-api-key-for-tests',
  IBMCLOUD_ACCOUNT_IDS: IBM_ACCOUNT,
};

/** A file named `name` holding `text` in a directory of its own, as an operator writes one. */
export function configFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'offboard-config-')), name);
  writeFileSync(file, text);
  return file;
}

/** The ConfigError loadConfig throws for `env` with the registered systems; fails the test when it parses. */
export function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env, SYSTEMS);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the configuration to be refused, but it parsed');
}

/** Every problem start-up lists for `env`. */
export const configProblems = (env: Record<string, string | undefined>): string[] => configError(env).problems;
