import type { SimulatorKit } from '../kit.js';
import { startSlackSimulator } from './slack-simulator.js';
import type { ScimSimulator } from './scim-types.js';

export interface SlackKitOptions {
  /** Whose user token the admin token is (a workspace admin): what `auth.test` answers for it. */
  adminUserId: string;
}

/** The admin token SCIM accepts in the simulated workspace. */
export const SIM_ADMIN_TOKEN = 'xoxp-sim-0001-offboard-admin';

const JANE = { requestId: 'OFF-CONF01', slackUserId: 'U0JANE001', email: 'jane.doe@acme.example' };

/** People whose Slack user id is near Jane's (a prefix or suffix more, or a part of it): never her. */
const NEAR_MISSES = ['XU0JANE001', 'U0JANE0011', 'U0JANE00'].map((id) => ({
  id,
  name: id.toLowerCase(),
  realName: `Near ${id}`,
  email: `${id.toLowerCase()}@acme.example`,
}));

/** The Slack account system is simulated inside the workspace the bot lives in: SCIM over its users. */
export const kit: SimulatorKit<ScimSimulator | undefined, SlackKitOptions> = {
  workspace: (options) => (options ? { adminToken: SIM_ADMIN_TOKEN, adminUserId: options.adminUserId } : {}),

  async start(_options, { workspace }) {
    const scim = workspace.scim;
    const env: Record<string, string> = scim ? { SLACK_ADMIN_TOKEN: SIM_ADMIN_TOKEN, SLACK_SCIM_URL: scim.url } : {};
    return {
      simulator: scim,
      env,
      close: async () => {},
    };
  },

  async conformance(opts = {}) {
    const adminToken = 'xoxp-sim-admin-0001-conformance';
    // Slack reads one account by its id: there is no listing to page, whatever `smallPages` asks.
    const sim = await startSlackSimulator({
      botToken: 'xoxb-sim-bot',
      adminToken,
      adminUserId: 'U0ADMIN01',
      users: [
        ...(opts.nearMisses ? NEAR_MISSES : []),
        { id: JANE.slackUserId, name: 'jane', realName: 'Jane Doe', email: JANE.email, deleted: opts.alreadyDisabled ?? false },
        { id: 'U0ADMIN01', name: 'ada', realName: 'Ada Admin', email: 'ada@example.com', isOwner: true },
      ],
    });
    const scim = sim.scim!;
    return {
      env: { SLACK_ADMIN_TOKEN: adminToken, SLACK_SCIM_URL: scim.url, SLACK_API_URL: sim.apiUrl },
      person: JANE,
      ...(opts.alreadyDisabled ? { disabledBefore: JANE.slackUserId } : {}),
      isDisabled: (id) => scim.user(id)?.active === false,
      fail: (status, retryAfter) => {
        scim.clearFaults();
        scim.fault({ status, ...(retryAfter ? { retryAfter } : {}) });
      },
      heal: () => scim.clearFaults(),
      mutations: () => scim.calls.filter((c) => !['GET', 'HEAD'].includes(c.method) && c.status < 300).length,
      // Slack user ids are matched as they are: another letter case is another (or no) user.
      ...(opts.nearMisses ? { nearMisses: NEAR_MISSES.map((u) => u.id) } : {}),
      close: () => sim.close(),
    };
  },
};
