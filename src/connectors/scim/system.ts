import { z } from 'zod';
import type { Identity, SystemModule, SystemStep } from '../system.js';
import { scimAccountStep } from './account-step.js';
import { scimGroupsStep } from './groups-step.js';
import { SCIM_PROFILES, scimProfile } from './profiles/index.js';
import type { ScimProfile } from './profile.js';
import { ScimClient } from './scim-client.js';

/** The one scope of a SCIM application: its user directory. */
export const SCIM_DIRECTORY = 'directory';

/**
 * One SCIM application as the systems file (`OFFBOARD_SYSTEMS_FILE`) declares it. The token is
 * named by its variable, never written in the file.
 */
export const scimDeclarationSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'lowercase letters, digits and dashes, starting with a letter')
    .describe('The system id: the first part of its step ids and its metric label (`offboard_system_calls_total{system}`)'),
  name: z.string().min(1).describe('What the checklist, the preview and the evidence call it'),
  base_url: z
    .url({ protocol: /^https?$/, message: 'base_url must be an http(s) URL' })
    .describe("The SCIM 2.0 base URL, under which `Users` (and `Groups`) are (e.g. GitHub's `https://api.github.com/scim/v2/enterprises/acme/`)"),
  token_env: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/, 'the name of an environment variable, e.g. GITHUB_SCIM_TOKEN')
    .describe('The environment variable holding its SCIM bearer token (never the token itself); unset is a problem at start-up'),
  profile: z.string().min(1).describe("The vendor's profile: how its SCIM differs (one of the shipped ones, below)"),
  timeout_ms: z.number().int().positive().default(30_000).describe('How long one call may take'),
});

export type ScimDeclaration = z.input<typeof scimDeclarationSchema>;

export interface ScimSystem {
  module: SystemModule<ScimClient>;
  profile: ScimProfile;
  /** The module's steps, as the vendor's profile allows them. */
  steps: readonly SystemStep<ScimClient>[];
}

/**
 * The system for one declared SCIM application: its module (switched on by its token variable)
 * and its steps, as the vendor's profile allows them. Throws, listing every problem, when the
 * declaration is not valid or names an unknown profile. `profiles` are the shipped ones unless
 * given (a test's variant).
 */
export function scimSystem(declaration: ScimDeclaration, profiles: Readonly<Record<string, ScimProfile>> = SCIM_PROFILES): ScimSystem {
  const system = declareScimSystem(declaration, profiles);
  if ('problems' in system) throw new Error(`SCIM application ${JSON.stringify(declaration.id ?? '?')}: ${system.problems.join('; ')}`);
  return system;
}

/** As `scimSystem`, with every problem of the declaration returned, each naming its field, none thrown. */
export function declareScimSystem(declaration: unknown, profiles: Readonly<Record<string, ScimProfile>> = SCIM_PROFILES): ScimSystem | { problems: string[] } {
  const parsed = scimDeclarationSchema.safeParse(declaration);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  const found = parsed.success ? scimProfile(parsed.data.profile, profiles) : undefined;
  if (found && 'problem' in found) problems.push(`profile: ${found.problem}`);
  if (!parsed.success || !found || 'problem' in found) return { problems };
  const d = parsed.data;
  const profile = found;
  const baseUrl = d.base_url.endsWith('/') ? d.base_url : `${d.base_url}/`;
  const steps: SystemStep<ScimClient>[] = [];
  if (profile.groups) steps.push({ step: 'groups', title: `${d.name} groups`, connect: (client) => scimGroupsStep(client) });
  // Runs after the scope's other steps: the account goes once its memberships are taken, with their snapshots.
  steps.push({ step: 'account', title: `${d.name} account`, endsIdentity: true, closing: true, connect: (client) => scimAccountStep(client) });
  const module: SystemModule<ScimClient> = {
    id: d.id,
    title: d.name,
    scopeNoun: SCIM_DIRECTORY,
    notCovered: [`sessions ${d.name} issued before end only as far as ${d.name} ends them when an account is deactivated`, ...profile.notCovered],
    steps,
    switchedOnBy: d.token_env,
    variables: z.object({
      [d.token_env]: z.string().describe(`Switches ${d.name} (SCIM, profile ${profile.id}) on: its SCIM bearer token, declared in OFFBOARD_SYSTEMS_FILE`),
    }),
    configure(env) {
      const token = env[d.token_env]?.trim();
      if (!token) return { problems: [`${d.token_env} is not set: ${d.name} (declared in OFFBOARD_SYSTEMS_FILE) needs its SCIM token there`] };
      const instance = { id: d.id, name: d.name, baseUrl, token, tokenEnv: d.token_env, timeoutMs: d.timeout_ms, profile };
      return {
        scopes: [SCIM_DIRECTORY],
        secrets: [token],
        summary: { baseUrl, profile: profile.id, timeoutMs: d.timeout_ms },
        connect: ({ metrics }) => new ScimClient(instance, (operation, status) => metrics.systemCalls.inc({ system: d.id, operation, status })),
        // 401/403 name the token variable; a wrong base_url fails here too, not at the first offboarding.
        checkStartup: (client) => client.probe(),
        identify: (client, person, scope, earlier) => (scope === SCIM_DIRECTORY ? identify(client, person.email, earlier) : Promise.resolve([])),
      };
    },
  };
  return { module, profile, steps };
}

/**
 * The person in the application, found by email; and those an earlier round found, by their id:
 * a deactivated account may no longer be found by email (GitHub obfuscates its user name).
 */
async function identify(client: ScimClient, email: string, earlier: Identity[]): Promise<Identity[]> {
  const byId = new Map<string, Identity>();
  const asIdentity = (user: { id: string; userName: string; active: boolean; displayName: string }): Identity => ({
    scope: SCIM_DIRECTORY,
    id: user.id,
    label: user.displayName || user.userName,
    detail: `${user.userName}, ${user.active ? 'active' : 'deactivated'}`,
  });
  const person = await client.findPerson(email);
  if (person) byId.set(person.id, asIdentity(person));
  for (const before of earlier.filter((e) => e.scope === SCIM_DIRECTORY && !byId.has(e.id))) {
    const user = await client.getUser(before.id);
    if (user) byId.set(user.id, asIdentity(user));
  }
  return [...byId.values()];
}
