import type { ScimProfile } from '../../connectors/scim/profile.js';
import { SCIM_PROFILES } from '../../connectors/scim/profiles/index.js';
import type { SystemDeclaration } from '../../connectors/system-kinds.js';
import type { SimulatorKit } from '../kit.js';
import type { SimScimGroup, SimScimUser } from './scim-directory.js';
import { startScimSimulator, type ScimSimulator } from './scim-simulator.js';

/** Who the simulated application holds, as the demo's world seeds it. */
export interface ScimKitOptions {
  users: SimScimUser[];
  groups?: SimScimGroup[];
}

const JANE = { requestId: 'OFF-CONF01', slackUserId: 'U0JANE001', email: 'jane.doe@acme.example' };

/** People whose email is near Jane's (a prefix or suffix more, or a part of it): never her. */
const NEAR_MISSES: SimScimUser[] = ['xjane.doe@acme.example', 'jane.doe@acme.example.org', 'jane.do@acme.example'].map((email, i) => ({
  id: `u-near-${i + 1}`,
  userName: email,
  displayName: `Near ${email}`,
  emails: [{ value: email, type: 'work' }],
}));

const ADA: SimScimUser = { id: 'u-ada', userName: 'ada@acme.example', displayName: 'Ada Admin', emails: [{ value: 'ada@acme.example', type: 'work' }] };

/**
 * Any SCIM application a systems file declares, simulated as its profile says its vendor answers:
 * the simulator takes the token it gives in the declaration's `token_env`, and the entry it hands
 * back points `base_url` at it.
 */
export function declaredKit(declaration: SystemDeclaration): SimulatorKit<ScimSimulator, ScimKitOptions> {
  const profile = SCIM_PROFILES[String(declaration.profile)];
  if (!profile) throw new Error(`${declaration.id}: no shipped SCIM profile ${String(declaration.profile)}`);
  const tokenEnv = String(declaration.token_env);
  const token = `sim-scim-token-${declaration.id}`;
  const started = (sim: ScimSimulator) => ({
    env: { [tokenEnv]: token },
    declaration: { ...declaration, base_url: sim.url },
  });
  return {
    async start(options) {
      const sim = await startScimSimulator({ profile, token, users: options?.users ?? [], groups: options?.groups ?? [] });
      return { simulator: sim, ...started(sim), close: () => sim.close() };
    },

    async conformance(opts = {}) {
      // The smallest pages the server serves, whatever the client asks for: the person is past the first.
      const served: ScimProfile = opts.smallPages ? { ...profile, paging: { ...profile.paging, pageSize: 1 } } : profile;
      // Her own record in other letter case: user names and emails compare regardless of case (RFC 7643).
      const jane: SimScimUser = {
        id: 'u-jane',
        userName: 'Jane.Doe@Acme.example',
        displayName: 'Jane Doe',
        emails: [{ value: 'JANE.DOE@acme.EXAMPLE', type: 'work' }],
        active: !opts.alreadyDisabled,
      };
      const sim = await startScimSimulator({
        profile: served,
        token,
        users: [ADA, ...(opts.nearMisses ? NEAR_MISSES : []), jane],
        groups: profile.groups
          ? [
              { id: 'g-fin', displayName: 'Finance', members: ['u-ada'] },
              { id: 'g-eng', displayName: 'Engineering', members: ['u-ada', 'u-jane'] },
              { id: 'g-ops', displayName: 'On-call', members: ['u-jane'] },
            ]
          : [],
      });
      return {
        ...started(sim),
        person: JANE,
        ...(opts.alreadyDisabled ? { disabledBefore: jane.id } : {}),
        isDisabled: (id) => sim.directory.users.get(id)?.active === false,
        fail: (status, retryAfter) => {
          sim.clearFaults();
          sim.fault({ status, ...(retryAfter !== undefined ? { retryAfter } : {}) });
        },
        heal: () => sim.clearFaults(),
        mutations: () => sim.calls.filter((c) => c.method !== 'GET' && c.status < 300).length,
        ...(opts.nearMisses ? { nearMisses: NEAR_MISSES.map((u) => u.id) } : {}),
        otherCase: jane.id,
        close: () => sim.close(),
      };
    },
  };
}
