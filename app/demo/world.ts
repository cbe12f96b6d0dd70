import type { IbmCloudKitOptions } from '../../src/simulators/ibm-cloud/kit.js';
import type { IbmCloudSimulator } from '../../src/simulators/ibm-cloud/index.js';
import type { SlackKitOptions } from '../../src/simulators/slack/kit.js';
import { PEOPLE } from './workspace.js';

/**
 * The demo's world, system by system: which systems it switches on and how their simulators are
 * seeded, and the typed handles on them tests read. The one demo file that names systems besides the
 * workspace; app/demo/local-stack.ts starts whatever the registry lists.
 */
export interface WorldOptions {
  /** How the IBM Cloud simulator behaves (latency, consistency delay, seed); its default world is Acme's two accounts. */
  ibm?: IbmCloudKitOptions;
  /** Points the bot at the IBM Cloud simulator; default on. It runs either way. */
  ibmCloud?: boolean;
  /** Turns on SCIM in the Slack simulator and points the bot's SLACK_ADMIN_TOKEN / SLACK_SCIM_URL at it; default off. */
  slackScim?: boolean;
}

/** Per registered system id: whether the bot is switched on against its simulator, and the kit's options. */
export function worldSystems(opts: WorldOptions): ReadonlyMap<string, { on: boolean; options?: unknown }> {
  const slack: SlackKitOptions = { adminUserId: PEOPLE.alex };
  return new Map<string, { on: boolean; options?: unknown }>([
    ['ibm-cloud', { on: opts.ibmCloud ?? true, options: opts.ibm }],
    ['slack', { on: opts.slackScim ?? false, options: slack }],
  ]);
}

/** The handles tests read, by name. */
export interface WorldSimulators {
  ibm: IbmCloudSimulator;
}

export function worldSimulators(simulators: ReadonlyMap<string, unknown>): WorldSimulators {
  return { ibm: simulators.get('ibm-cloud') as IbmCloudSimulator };
}
