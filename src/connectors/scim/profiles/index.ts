import { parseScimProfile, type ScimProfile } from '../profile.js';
import atlassian from './atlassian.json' with { type: 'json' };
import awsIdentityCenter from './aws-identity-center.json' with { type: 'json' };
import entraApp from './entra-app.json' with { type: 'json' };
import githubEmu from './github-emu.json' with { type: 'json' };
import rfc from './rfc.json' with { type: 'json' };

/** Every shipped vendor profile by its id, each validated when this module loads: a broken file stops start-up. */
export const SCIM_PROFILES: Readonly<Record<string, ScimProfile>> = Object.fromEntries(
  Object.entries({ rfc, 'github-emu': githubEmu, atlassian, 'aws-identity-center': awsIdentityCenter, 'entra-app': entraApp }).map(([file, data]) => {
    const profile = parseScimProfile(`${file}.json`, data);
    if (profile.id !== file) throw new Error(`SCIM profile ${file}.json names itself ${profile.id}: the id must be the file's name`);
    return [file, profile];
  }),
);

/** The profile a declaration names, or a problem listing those there are. */
export function scimProfile(id: string, profiles: Readonly<Record<string, ScimProfile>> = SCIM_PROFILES): ScimProfile | { problem: string } {
  return profiles[id] ?? { problem: `unknown SCIM profile "${id}": one of ${Object.keys(profiles).join(', ')}` };
}
