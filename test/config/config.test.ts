import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../jobs/systems.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { COMPLETE_ENV, configError } from '../support/config-env.js';

const PROD = '0123456789abcdef0123456789abcdef';
const STAGING = 'fedcba9876543210fedcba9876543210';

/** Everything an operator must set, and nothing that has a default, for two accounts. */
const COMPLETE: Record<string, string> = { ...COMPLETE_ENV, IBMCLOUD_ACCOUNT_IDS: `${PROD},${STAGING}` };

/** The configuration for the systems the bot registers. */
const load = (env: Record<string, string | undefined>) => loadConfig(env, SYSTEMS);

/** What start-up logs about IBM Cloud's settings: its URLs, account count and timeout. */
const ibmOf = (config: Config) => config.systems.find((s) => s.module.id === 'ibm-cloud')?.settings.summary;

function without(...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(COMPLETE).filter(([k]) => !names.includes(k)));
}

describe('loadConfig', () => {
  it('parses a complete environment with a user group of approvers', () => {
    const config = load(COMPLETE);

    expect(config.slack).toEqual({ botToken: COMPLETE.SLACK_BOT_TOKEN, signingSecret: COMPLETE.SLACK_SIGNING_SECRET, apiUrl: undefined });
    expect(config.approvalChannel).toBe('C0APPROVAL');
    expect(config.approvers).toEqual({ kind: 'usergroup', id: 'S0ITAPPROV' });
    expect(config.systems.map((s) => s.module.id)).toEqual(['ibm-cloud']);
    expect(config.systems[0]!.settings.scopes).toEqual([PROD, STAGING]);
    expect(config.systems[0]!.settings.secrets).toEqual([COMPLETE.IBMCLOUD_API_KEY]);
  });

  it('parses approvers given as a comma list of users, ignoring spaces and empty entries', () => {
    const config = load({ ...COMPLETE, OFFBOARD_APPROVERS: ' U0ALEX001, W0RILEY01 ,U0MORGAN1,' });

    expect(config.approvers).toEqual({ kind: 'users', ids: ['U0ALEX001', 'W0RILEY01', 'U0MORGAN1'] });
  });

  it('parses every optional setting when given', () => {
    const config = load({
      ...COMPLETE,
      SLACK_API_URL: 'http://127.0.0.1:9999/api/',
      PORT: '8080',
      OFFBOARD_METRICS_PORT: '9100',
      OFFBOARD_METRICS_HOST: '0.0.0.0',
      REDIS_URL: 'rediss://redis.internal:6380',
      REDIS_PREFIX: 'offboard_prod-1',
      OFFBOARD_ROLE: 'worker',
      OFFBOARD_JOB_ATTEMPTS: '3',
      IBMCLOUD_IAM_URL: 'https://private.iam.cloud.ibm.com',
      LOG_LEVEL: 'debug',
    });

    expect(config.slack.apiUrl).toBe('http://127.0.0.1:9999/api/');
    expect(config.port).toBe(8080);
    expect(config.metrics).toEqual({ port: 9100, host: '0.0.0.0' });
    expect(config.redisUrl).toBe('rediss://redis.internal:6380');
    expect(config.redisPrefix).toBe('offboard_prod-1');
    expect(config.role).toBe('worker');
    expect(config.jobs.attempts).toBe(3);
    expect(ibmOf(config)?.iamUrl).toBe('https://private.iam.cloud.ibm.com');
    expect(config.logLevel).toBe('debug');
  });

  it('applies the defaults for everything optional', () => {
    const config = load(COMPLETE);

    expect(config.port).toBe(3000);
    // Prometheus' port of its own, reachable from this host only until the operator opens it.
    expect(config.metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.redisPrefix).toBe('offboard');
    expect(config.role).toBe('all');
    expect(config.logLevel).toBe('info');
    expect(config.slack.apiUrl).toBeUndefined();
    expect(ibmOf(config)).toMatchObject({
      iamUrl: 'https://iam.cloud.ibm.com',
      userManagementUrl: 'https://user-management.cloud.ibm.com',
      iamIdentityUrl: 'https://iam.cloud.ibm.com',
      accessGroupsUrl: 'https://iam.cloud.ibm.com',
      policyManagementUrl: 'https://iam.cloud.ibm.com',
      timeoutMs: 30_000,
    });
    expect(config.jobs).toEqual({
      attempts: 25,
      retryDelayMs: 1_000,
      retryMaxDelayMs: 30_000,
      lockMs: 30_000,
      shutdownTimeoutMs: 25_000,
      reconcileIntervalMs: 60_000,
      rescanAfterMs: [3_600_000, 86_400_000, 604_800_000, 2_592_000_000],
      taskRemindAfterMs: 86_400_000,
      rotation: { remindAfterMs: 86_400_000, tellRequesterAfterMs: 604_800_000 },
      verifyTimeoutMs: 300_000,
      verifyIntervalMs: 50,
      concurrency: 8,
    });
  });

  it('treats blank values as unset: defaults apply to them', () => {
    const config = load({ ...COMPLETE, PORT: '', REDIS_URL: '   ', IBMCLOUD_IAM_URL: '', SLACK_API_URL: ' ', OFFBOARD_ROLE: '' });

    expect(config.port).toBe(3000);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(ibmOf(config)?.iamUrl).toBe('https://iam.cloud.ibm.com');
    expect(config.slack.apiUrl).toBeUndefined();
    expect(config.role).toBe('all');
  });

  it('treats blank values as unset: a blank required setting is reported as missing', () => {
    const err = configError({ ...COMPLETE, SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '   ', IBMCLOUD_API_KEY: '\t' });

    expect(err.problems).toEqual([
      'SLACK_BOT_TOKEN is required (xoxb-… from OAuth & Permissions)',
      'SLACK_SIGNING_SECRET is required (Basic Information → App Credentials)',
      // Blank, IBM Cloud's switch is off, and no other system is switched on.
      `No system to offboard from is switched on: set ${SYSTEMS.map((m) => `${m.switchedOnBy} (${m.title})`).join(' or ')}, or declare one in OFFBOARD_SYSTEMS_FILE`,
    ]);
  });

  it('reports every missing required setting at once', () => {
    const err = configError({});

    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'OFFBOARD_APPROVAL_CHANNEL', 'OFFBOARD_APPROVERS', 'No system']) {
      expect(err.problems.filter((p) => p.startsWith(name))).toHaveLength(1);
    }
    expect(err.problems).toHaveLength(5);
  });

  it('refuses to start with no system switched on, naming the variable that switches each on', () => {
    const err = configError(without('IBMCLOUD_API_KEY', 'IBMCLOUD_ACCOUNT_IDS'));

    expect(err.problems).toEqual([
      `No system to offboard from is switched on: set ${SYSTEMS.map((m) => `${m.switchedOnBy} (${m.title})`).join(' or ')}, or declare one in OFFBOARD_SYSTEMS_FILE`,
    ]);
  });

  it('asks for what a switched-on system needs: IBM Cloud without its accounts', () => {
    const err = configError(without('IBMCLOUD_ACCOUNT_IDS'));

    expect(err.problems).toEqual(['IBMCLOUD_ACCOUNT_IDS is required with IBMCLOUD_API_KEY: a comma list of IBM Cloud account ids']);
  });

  it('reports every problem at once: missing token, bad channel id, bad approvers, bad account ids, bad URL', () => {
    const err = configError({
      ...without('SLACK_BOT_TOKEN'),
      OFFBOARD_APPROVAL_CHANNEL: '#it-approvals',
      OFFBOARD_APPROVERS: 'alex, riley',
      IBMCLOUD_ACCOUNT_IDS: `${PROD},not-an-account`,
      USER_MANAGEMENT_URL: 'user-management.cloud.ibm.com',
    });

    expect(err.problems).toEqual([
      'SLACK_BOT_TOKEN is required (xoxb-… from OAuth & Permissions)',
      'OFFBOARD_APPROVAL_CHANNEL must be a channel id such as C0123ABCD, not a name',
      'OFFBOARD_APPROVERS must be one user group id (S…) or a comma list of user ids (U…)',
      'IBMCLOUD_ACCOUNT_IDS must be a comma list of 32-character hex account ids',
      'USER_MANAGEMENT_URL must be an http(s) URL',
    ]);
    for (const p of err.problems) expect(err.message).toContain(p);
  });

  it('takes IBMCLOUD_MAX_RPS as a positive number of requests per second, and refuses anything else by name', () => {
    for (const bad of ['0', '-5', 'fast']) {
      const problems = configError({ ...COMPLETE, IBMCLOUD_MAX_RPS: bad }).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^IBMCLOUD_MAX_RPS must be/);
    }
    const ibm = (env: Record<string, string>) => loadConfig(env, SYSTEMS).systems.find((s) => s.module.id === 'ibm-cloud')!.settings.summary;
    expect(ibm({ ...COMPLETE, IBMCLOUD_MAX_RPS: '12.5' }).maxRps).toBe(12.5);
    expect(ibm(COMPLETE).maxRps).toBe('unlimited');
  });

  it('takes VPC regions and a regional URL with {region}, listing every problem of them by name', () => {
    const problems = configError({ ...COMPLETE, IBMCLOUD_VPC_REGIONS: 'us-south,Dallas', IBMCLOUD_VPC_URL: 'https://iaas.cloud.ibm.com/v1' }).problems;
    expect(problems).toEqual([
      'IBMCLOUD_VPC_REGIONS must be a comma list of VPC regions, e.g. us-south,eu-de',
      'IBMCLOUD_VPC_URL must be an http(s) URL with {region} where the region goes',
    ]);
    const ibm = (env: Record<string, string>) => loadConfig(env, SYSTEMS).systems.find((s) => s.module.id === 'ibm-cloud')!.settings.summary;
    expect(ibm({ ...COMPLETE, IBMCLOUD_VPC_REGIONS: 'us-south, eu-de' })).toMatchObject({
      vpcRegions: 'us-south,eu-de',
      vpcUrl: 'https://{region}.iaas.cloud.ibm.com/v1',
    });
    expect(ibm(COMPLETE).vpcRegions).toBe('unset');
  });

  it('takes re-scan intervals above zero only: a re-scan at 0 s could never run, and is refused by name', () => {
    for (const bad of ['0s', '1h,0d', '1w', 'soon']) {
      expect(configError({ ...COMPLETE, OFFBOARD_RESCAN_AFTER: bad }).problems).toEqual([
        expect.stringMatching(/^OFFBOARD_RESCAN_AFTER must be a comma list of durations above zero/),
      ]);
    }
    expect(load({ ...COMPLETE, OFFBOARD_RESCAN_AFTER: '2s,1h' }).jobs.rescanAfterMs).toEqual([2_000, 3_600_000]);
  });

  it('takes one task reminder interval above zero, refusing anything else by name', () => {
    for (const bad of ['0s', '1h,1d', '1w', 'daily']) {
      expect(configError({ ...COMPLETE, OFFBOARD_TASK_REMIND_AFTER: bad }).problems).toEqual([
        expect.stringMatching(/^OFFBOARD_TASK_REMIND_AFTER must be a duration above zero/),
      ]);
    }
    expect(load({ ...COMPLETE, OFFBOARD_TASK_REMIND_AFTER: '12h' }).jobs.taskRemindAfterMs).toBe(43_200_000);
  });

  it('takes the rotation reminder intervals as durations above zero, listing both when both are wrong', () => {
    expect(configError({ ...COMPLETE, OFFBOARD_ROTATION_REMIND_AFTER: '0s', OFFBOARD_ROTATION_TELL_REQUESTER_AFTER: 'weekly' }).problems).toEqual([
      expect.stringMatching(/^OFFBOARD_ROTATION_REMIND_AFTER must be a duration above zero/),
      expect.stringMatching(/^OFFBOARD_ROTATION_TELL_REQUESTER_AFTER must be a duration above zero/),
    ]);
    expect(load({ ...COMPLETE, OFFBOARD_ROTATION_REMIND_AFTER: '12h', OFFBOARD_ROTATION_TELL_REQUESTER_AFTER: '3d' }).jobs.rotation).toEqual({
      remindAfterMs: 43_200_000,
      tellRequesterAfterMs: 259_200_000,
    });
  });

  it('refuses a mix of a user group and users as approvers', () => {
    const err = configError({ ...COMPLETE, OFFBOARD_APPROVERS: 'S0ITAPPROV,U0ALEX001' });

    expect(err.problems).toEqual(['OFFBOARD_APPROVERS must be one user group id (S…) or a comma list of user ids (U…)']);
  });

  it('refuses an out-of-range port, a non-Redis URL and a bad key prefix', () => {
    const err = configError({ ...COMPLETE, PORT: '70000', REDIS_URL: 'http://127.0.0.1:6379', REDIS_PREFIX: 'a:b' });

    expect(err.problems).toEqual([
      'PORT must be at most 65535',
      'REDIS_PREFIX may hold letters, digits, - and _ only',
      'REDIS_URL must start with redis:// or rediss://',
    ]);
  });

  it('refuses service URLs that are not http(s), as its message says', () => {
    const err = configError({ ...COMPLETE, IBMCLOUD_IAM_URL: 'ftp://iam.cloud.ibm.com', SLACK_API_URL: 'javascript:alert(1)' });

    expect(err.problems).toEqual(['SLACK_API_URL must be an http(s) URL', 'IBMCLOUD_IAM_URL must be an http(s) URL']);
  });

  it('never shows secret values in the error, even when other settings are wrong', () => {
    const signingSecret = 'SIGNING-SECRET-9f8e7d6c5b4a';
    const apiKey = 'IBM-API-KEY-0a1b2c3d4e5f';
    const err = configError({
      ...COMPLETE,
      SLACK_SIGNING_SECRET: signingSecret,
      IBMCLOUD_API_KEY: apiKey,
      OFFBOARD_APPROVAL_CHANNEL: 'it-approvals',
      IBMCLOUD_ACCOUNT_IDS: 'nope',
      LOG_LEVEL: 'loud',
    });

    expect(err.problems.length).toBeGreaterThanOrEqual(3);
    for (const text of [err.message, String(err), JSON.stringify(err.problems)]) {
      expect(text).not.toContain(signingSecret);
      expect(text).not.toContain(apiKey);
    }
  });

  it('never shows a wrong kind of Slack token in the error, only what is wrong with it', () => {
    const err = configError({ ...COMPLETE, SLACK_BOT_TOKEN: 'xoxp-secret-value' });

    expect(err.problems).toEqual(['SLACK_BOT_TOKEN must be a bot token starting with xoxb-']);
    expect(err.message).not.toContain('xoxp-secret-value');
    expect(err.message).not.toContain('secret-value');
  });

  describe('the signing key file (OFFBOARD_SIGNING_KEY_FILE)', () => {
    const keyFile = (mode: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'key-'));
      const file = join(dir, 'signing.pem');
      writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
      chmodSync(file, mode);
      return file;
    };
    const signing = (file: string) => ({ ...COMPLETE, OFFBOARD_SIGNING_KEY_FILE: file, OFFBOARD_SIGNING_KEY_ID: 'ops-2026' });

    it('refuses a key readable by group or others, listed with every other problem', () => {
      const err = configError({ ...signing(keyFile(0o644)), LOG_LEVEL: 'loud' });

      expect(err.problems).toHaveLength(2);
      expect(err.problems).toContain(
        'OFFBOARD_SIGNING_KEY_FILE is readable or writable by group or others (mode 0644): chmod 600 it, owned by the user the bot runs as',
      );
      expect(configError(signing(keyFile(0o640))).problems[0]).toContain('(mode 0640)');
    });

    it('refuses a key file that cannot be read, naming the setting', () => {
      expect(configError(signing(join(tmpdir(), 'no-such-key.pem'))).problems).toEqual([
        'OFFBOARD_SIGNING_KEY_FILE cannot be read (ENOENT): it must name the Ed25519 private key in PEM (npm run keygen)',
      ]);
    });

    it('takes a key only its owner can read', () => {
      const file = keyFile(0o600);

      expect(load(signing(file)).evidence.signing).toEqual({ file, id: 'ops-2026' });
    });
  });

  it('keeps evidence packs out of the approval thread unless OFFBOARD_EVIDENCE_IN_THREAD=true', () => {
    expect(load(COMPLETE).evidence.inThread).toBe(false);
    expect(load({ ...COMPLETE, OFFBOARD_EVIDENCE_IN_THREAD: 'true' }).evidence.inThread).toBe(true);
    expect(configError({ ...COMPLETE, OFFBOARD_EVIDENCE_IN_THREAD: 'yes' }).problems).toEqual(['OFFBOARD_EVIDENCE_IN_THREAD must be true or false']);
  });
});

describe('the follow-ups of a request waiting for a decision', () => {
  it('by default: a reminder after 4 h (then doubling), no escalation, expiry after 7 days', () => {
    expect(load(COMPLETE).pending).toEqual({ remindAfterMs: 4 * 3_600_000, escalateAfterMs: 86_400_000, expireAfterMs: 7 * 86_400_000, escalation: undefined });
  });

  it('reads a user group or a channel to escalate to, and lists every bad duration or target', () => {
    expect(load({ ...COMPLETE, OFFBOARD_ESCALATION: 'S0SECURE', OFFBOARD_ESCALATE_AFTER: '12h' }).pending).toMatchObject({
      escalateAfterMs: 12 * 3_600_000,
      escalation: { kind: 'usergroup', id: 'S0SECURE' },
    });
    expect(load({ ...COMPLETE, OFFBOARD_ESCALATION: 'C0SECURITY' }).pending.escalation).toEqual({ kind: 'channel', id: 'C0SECURITY' });
    expect(configError({ ...COMPLETE, OFFBOARD_REMIND_AFTER: '0h', OFFBOARD_EXPIRE_AFTER: 'a week', OFFBOARD_ESCALATION: '#security' }).problems).toEqual([
      'OFFBOARD_REMIND_AFTER must be a duration above zero such as 30m, 4h or 7d (units s, m, h, d)',
      'OFFBOARD_ESCALATION must be a user group id (S…) or a channel id (C… or G…)',
      'OFFBOARD_EXPIRE_AFTER must be a duration above zero such as 30m, 4h or 7d (units s, m, h, d)',
    ]);
  });
});
