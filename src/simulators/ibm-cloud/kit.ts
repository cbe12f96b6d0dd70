import type { SimulatorKit } from '../kit.js';
import type { IbmCloudClient } from '../../connectors/ibm-cloud/ibm-cloud-client.js';
import { ACME_PRODUCTION, ACME_STAGING, JANE_EMAIL, seedWithSsoMembership, SIM_BOT_API_KEY, SIM_IAM_IDS, SIM_VPC, withVpc } from './seed.js';
import { startIbmCloudSimulator } from './server.js';
import type { IbmCloudSimulator, IbmCloudSimulatorOptions } from './types.js';

export interface IbmCloudKitOptions extends Omit<IbmCloudSimulatorOptions, 'port'> {
  /** The accounts the bot offboards from; default both of Acme's. */
  accounts?: string[];
}

/** The variables that point the bot at a simulator serving every IBM Cloud endpoint at `url`, offboarding from `accounts`. */
export function ibmCloudEnv(url: string, accounts: string[] = [ACME_PRODUCTION, ACME_STAGING]): Record<string, string> {
  const endpoints = [
    'IBMCLOUD_IAM_URL',
    'USER_MANAGEMENT_URL',
    'IAM_IDENTITY_URL',
    'IAM_ACCESS_GROUPS_URL',
    'IAM_POLICY_MANAGEMENT_URL',
    'ACCOUNT_MANAGEMENT_URL',
    'RESOURCE_CONTROLLER_URL',
  ];
  return {
    IBMCLOUD_API_KEY: SIM_BOT_API_KEY,
    IBMCLOUD_ACCOUNT_IDS: accounts.join(','),
    ...Object.fromEntries(endpoints.map((k) => [k, url])),
    // Used once IBMCLOUD_VPC_REGIONS names regions (a test's or the demo's choice).
    IBMCLOUD_VPC_URL: `${url}/vpc/{region}/v1`,
  };
}

/** Other people of the production account, each near Jane's email: never her. */
const NEAR_MISSES = [
  { iam_id: 'IBMid-6620000N01', email: `mary.${JANE_EMAIL}`, firstname: 'Mary', lastname: 'Jane-Doe' },
  { iam_id: 'IBMid-6620000N02', email: `${JANE_EMAIL}.org`, firstname: 'Jane', lastname: 'Doe' },
  { iam_id: 'IBMid-6620000N03', email: JANE_EMAIL.slice(1), firstname: 'Ane', lastname: 'Doe' },
  { iam_id: 'IBMid-6620000N04', email: JANE_EMAIL.slice(0, -1), firstname: 'Jane', lastname: 'Doe' },
];

export const kit: SimulatorKit<IbmCloudSimulator, IbmCloudKitOptions> = {
  async start({ accounts, ...options } = {}) {
    const simulator = await startIbmCloudSimulator(options);
    return { simulator, env: ibmCloudEnv(simulator.url, accounts), close: () => simulator.close() };
  },

  // Jane in Acme's production account: two records (her IBMid, and her SL login with the email in
  // other case), keys, groups (one of them by a sign-in rule), policies and profile links.
  async conformance(opts = {}) {
    const seed = withVpc(seedWithSsoMembership());
    const terraform = seed.apiKeys.find((k) => k.name === 'jane-terraform')!;
    if (opts.alreadyDisabled) terraform.disabled = true;
    // One item a page: Jane is the fourth user listed, and holds two or more of everything listed.
    const sim = await startIbmCloudSimulator({ seed, ...(opts.smallPages ? { pageSize: 1 } : {}) });
    if (opts.nearMisses) for (const person of NEAR_MISSES) sim.addUserToAccount(ACME_PRODUCTION, person);
    return {
      env: { ...ibmCloudEnv(sim.url, [ACME_PRODUCTION]), IBMCLOUD_VPC_REGIONS: 'us-south,eu-de' },
      person: { requestId: 'OFF-CONF01', slackUserId: 'U0JANE001', email: JANE_EMAIL },
      // An approver has said which VPC SSH keys are Jane's: the two named after her.
      prepare: async (client) =>
        (client as IbmCloudClient).vpcReviews?.set('OFF-CONF01', ACME_PRODUCTION, {
          by: 'U0ALEX001',
          at: '2026-01-05T09:00:00.000Z',
          chosen: [
            { region: 'us-south', id: SIM_VPC.janeLaptop, name: 'laptop-2024' },
            { region: 'eu-de', id: SIM_VPC.janeDoeCi, name: 'jane-doe-ci' },
          ],
        }),
      ...(opts.alreadyDisabled ? { disabledBefore: terraform.id } : {}),
      isDisabled: (id) =>
        [SIM_IAM_IDS.jane, SIM_IAM_IDS.janeSl].flatMap((iamId) => sim.apiKeysOf(ACME_PRODUCTION, iamId)).find((k) => k.id === id)?.disabled === true,
      fail: (status, retryAfterSeconds) => {
        sim.clearFaults();
        sim.inject({ path: /^(?!\/identity\/token)/, status, retryAfterSeconds });
      },
      heal: () => sim.clearFaults(),
      mutations: () => sim.requests.filter((r) => !['GET', 'HEAD'].includes(r.method) && r.path !== '/identity/token' && r.status < 300).length,
      ...(opts.nearMisses ? { nearMisses: [SIM_IAM_IDS.lookalike, ...NEAR_MISSES.map((p) => p.iam_id)] } : {}),
      otherCase: SIM_IAM_IDS.janeSl,
      close: () => sim.close(),
    };
  },
};
