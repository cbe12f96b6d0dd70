import type { SystemDeclaration } from '../../src/connectors/system-kinds.js';
import type { IbmCloudKitOptions } from '../../src/simulators/ibm-cloud/kit.js';
import type { IbmCloudSimulator } from '../../src/simulators/ibm-cloud/index.js';
import type { ScimKitOptions } from '../../src/simulators/scim/kit.js';
import type { ScimSimulator } from '../../src/simulators/scim/index.js';
import type { SlackKitOptions } from '../../src/simulators/slack/kit.js';
import { TASK_TEMPLATES } from '../../src/connectors/manual/templates.js';
import { FACILITIES_GROUP, PEOPLE } from './workspace.js';

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
  /** Declares Acme's GitHub Enterprise (SCIM, the `github-emu` profile) in a systems file, against its simulator; default off. */
  github?: boolean;
  /**
   * Declares a manual task for each shipped template named (`badge`: the door badge), each under the
   * template's id and attested by facilities (`S0FACILITY`); default none.
   */
  tasks?: readonly string[];
}

/** Per registered system id: whether the bot is switched on against its simulator, and the kit's options. */
export function worldSystems(opts: WorldOptions): ReadonlyMap<string, { on: boolean; options?: unknown }> {
  const slack: SlackKitOptions = { adminUserId: PEOPLE.alex };
  return new Map<string, { on: boolean; options?: unknown }>([
    ['ibm-cloud', { on: opts.ibmCloud ?? true, options: opts.ibm }],
    ['slack', { on: opts.slackScim ?? false, options: slack }],
  ]);
}

/** The id Acme's GitHub Enterprise is declared under. */
export const GITHUB = 'github';

/** Acme's people in GitHub Enterprise, by the user name its IdP gives them (their email), and its teams. */
const GITHUB_PEOPLE: ScimKitOptions = {
  users: [
    { id: 'gh-alex', userName: 'alex.admin@acme.example', displayName: 'Alex Admin' },
    { id: 'gh-morgan', userName: 'morgan.manager@acme.example', displayName: 'Morgan Manager' },
    { id: 'gh-jane', userName: 'jane.doe@acme.example', displayName: 'Jane Doe' },
    { id: 'gh-chris', userName: 'chris.contractor@acme.example', displayName: 'Chris Contractor' },
    { id: 'gh-taylor', userName: 'taylor.successor@acme.example', displayName: 'Taylor Successor' },
  ],
  groups: [
    { id: 'gh-team-platform', displayName: 'platform', members: ['gh-alex', 'gh-jane', 'gh-taylor'] },
    { id: 'gh-team-deployers', displayName: 'deployers', members: ['gh-jane', 'gh-chris'] },
    { id: 'gh-team-contractors', displayName: 'contractors', members: ['gh-chris'] },
  ],
};

/**
 * The systems the demo declares in its systems file (OFFBOARD_SYSTEMS_FILE), as an operator would,
 * less the URL its simulator gets; with who each simulator holds.
 */
export function worldDeclaredSystems(opts: WorldOptions): { declaration: SystemDeclaration; options: unknown }[] {
  const github = { id: GITHUB, kind: 'scim', name: 'GitHub Enterprise', token_env: 'GITHUB_SCIM_TOKEN', profile: 'github-emu' };
  // As one line in an operator's file declares it: `- { template: badge, attesters: S0FACILITY }`.
  const tasks = (opts.tasks ?? []).map((template) => ({
    declaration: { id: template, kind: 'manual', name: TASK_TEMPLATES[template]?.name ?? template, template, attesters: FACILITIES_GROUP },
    options: undefined,
  }));
  return [...(opts.github ? [{ declaration: github, options: GITHUB_PEOPLE }] : []), ...tasks];
}

/** The id the door-badge task is declared under. */
export const BADGE = 'badge';

/** The handles tests read, by name. */
export interface WorldSimulators {
  ibm: IbmCloudSimulator;
  /** Acme's GitHub Enterprise, when the world declares it. */
  github?: ScimSimulator;
}

export function worldSimulators(simulators: ReadonlyMap<string, unknown>): WorldSimulators {
  return { ibm: simulators.get('ibm-cloud') as IbmCloudSimulator, github: simulators.get(GITHUB) as ScimSimulator | undefined };
}
