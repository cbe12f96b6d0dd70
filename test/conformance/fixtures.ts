import { Redis } from 'ioredis';
import { ibmCloud } from '../../src/connectors/ibm-cloud/system.js';
import { slackAccounts } from '../../src/connectors/slack/system.js';
import type { ConnectedSystem, Person, SystemModule } from '../../src/connectors/system.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Keys } from '../../src/redis.js';
import { ACME_PRODUCTION, defaultIbmSeed, JANE_EMAIL, SIM_BOT_API_KEY, SIM_IAM_IDS, startIbmCloudSimulator } from '../../src/simulators/ibm-cloud/index.js';
import { startSlackSimulator } from '../../src/simulators/slack/index.js';

/** A registered system switched on against its simulator, with one person seeded in it. */
export interface SystemUnderTest {
  connected: ConnectedSystem;
  person: Person;
  /**
   * Makes every call that is not a sign-in answer `status` (with Retry-After for a 429) until
   * `heal`: a step may ask in parallel, and one failed answer must not leave a fault for the next.
   */
  fail(status: 403 | 429 | 500 | 503, retryAfterSeconds?: number): void;
  heal(): void;
  /** With `alreadyDisabled`: the id of the person's item that was disabled before the offboarding. */
  disabledBefore?: string;
  /** Whether the system shows that item disabled now. */
  isDisabled(id: string): boolean;
  /** How many calls so far changed something in the system (a refused or "not found" call changed nothing). */
  mutations(): number;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** One of the person's items (an API key, the account itself) is disabled before the offboarding. */
  alreadyDisabled?: boolean;
}

type Fixture = (redisUrl: string, opts?: FixtureOptions) => Promise<SystemUnderTest>;

const JANE = { requestId: 'OFF-CONF01', slackUserId: 'U0JANE001', email: JANE_EMAIL } satisfies Person;

async function connect(module: SystemModule, env: Record<string, string>, redisUrl: string) {
  const settings = module.configure(env);
  if ('problems' in settings) throw new Error(`${module.title}: ${settings.problems.join('; ')}`);
  const redis = new Redis(redisUrl);
  const client = settings.connect({ metrics: createMetrics(), redis, keys: new Keys(`conformance-${module.id}-${Date.now()}`) });
  return { connected: { module, settings, client }, redis };
}

/**
 * How each registered system's simulator is started for the conformance suite, by system id: the
 * one thing a new system adds here besides its registry line.
 */
export const FIXTURES: Record<string, Fixture> = {
  'ibm-cloud': async (redisUrl, opts = {}) => {
    const seed = defaultIbmSeed();
    const terraform = seed.apiKeys.find((k) => k.name === 'jane-terraform')!;
    if (opts.alreadyDisabled) terraform.disabled = true;
    const sim = await startIbmCloudSimulator({ seed });
    const urls = [
      'IBMCLOUD_IAM_URL',
      'USER_MANAGEMENT_URL',
      'IAM_IDENTITY_URL',
      'IAM_ACCESS_GROUPS_URL',
      'IAM_POLICY_MANAGEMENT_URL',
      'ACCOUNT_MANAGEMENT_URL',
    ];
    const env = { IBMCLOUD_API_KEY: SIM_BOT_API_KEY, IBMCLOUD_ACCOUNT_IDS: ACME_PRODUCTION, ...Object.fromEntries(urls.map((k) => [k, sim.url])) };
    const { connected, redis } = await connect(ibmCloud as SystemModule, env, redisUrl);
    return {
      connected,
      person: JANE,
      ...(opts.alreadyDisabled ? { disabledBefore: terraform.id } : {}),
      isDisabled: (id) =>
        [SIM_IAM_IDS.jane, SIM_IAM_IDS.janeSl].flatMap((iamId) => sim.apiKeysOf(ACME_PRODUCTION, iamId)).find((k) => k.id === id)?.disabled === true,
      fail: (status, retryAfterSeconds) => {
        sim.clearFaults();
        sim.inject({ path: /^(?!\/identity\/token)/, status, retryAfterSeconds });
      },
      heal: () => sim.clearFaults(),
      mutations: () => sim.requests.filter((r) => !['GET', 'HEAD'].includes(r.method) && r.path !== '/identity/token' && r.status < 300).length,
      close: async () => {
        redis.disconnect();
        await sim.close();
      },
    };
  },
  slack: async (redisUrl, opts = {}) => {
    const adminToken = 'xoxp-sim-admin-0001-conformance';
    const sim = await startSlackSimulator({
      botToken: 'xoxb-sim-bot',
      adminToken,
      adminUserId: 'U0ADMIN01',
      users: [
        { id: JANE.slackUserId, name: 'jane', realName: 'Jane Doe', email: JANE.email, deleted: opts.alreadyDisabled ?? false },
        { id: 'U0ADMIN01', name: 'ada', realName: 'Ada Admin', email: 'ada@example.com', isOwner: true },
      ],
    });
    const env = { SLACK_ADMIN_TOKEN: adminToken, SLACK_SCIM_URL: sim.scim!.url, SLACK_API_URL: sim.apiUrl };
    const { connected, redis } = await connect(slackAccounts as SystemModule, env, redisUrl);
    return {
      connected,
      person: JANE,
      ...(opts.alreadyDisabled ? { disabledBefore: JANE.slackUserId } : {}),
      isDisabled: (id) => sim.scim!.user(id)?.active === false,
      fail: (status, retryAfter) => {
        sim.scim!.clearFaults();
        sim.scim!.fault({ status, ...(retryAfter ? { retryAfter } : {}) });
      },
      heal: () => sim.scim!.clearFaults(),
      mutations: () => sim.scim!.calls.filter((c) => !['GET', 'HEAD'].includes(c.method) && c.status < 300).length,
      close: async () => {
        redis.disconnect();
        await sim.close();
      },
    };
  },
};
