import type { ConnectedSystem, CredentialOwner, Identity } from '../connectors/system.js';
import type { Privilege } from '../requests/privilege.js';

/**
 * The bot's own credentials of this system that belong to one of these identities: the owners the
 * system names, matched exactly (by id) against what identification found for the person.
 */
export async function ownedCredentials(
  system: ConnectedSystem,
  identities: readonly Identity[],
  owners?: CredentialOwner[],
): Promise<{ identity: Identity; privilege: Extract<Privilege, { kind: 'credential_owner' }> }[]> {
  if (!system.settings.credentialOwners || identities.length === 0) return [];
  owners ??= await system.settings.credentialOwners(system.client);
  return identities.flatMap((identity) =>
    owners
      .filter((o) => o.id === identity.id)
      .map((o) => ({
        identity,
        privilege: { kind: 'credential_owner' as const, system: system.module.id, title: system.module.title, credential: o.credential },
      })),
  );
}

/**
 * The identities with a refusal on each that owns a bot credential: every step in its scope then
 * fails at once, untouched, as for an account's owner. Whatever approved the request, the bot never
 * removes its own access.
 */
export async function refuseCredentialOwners(system: ConnectedSystem, identities: Identity[], owners?: CredentialOwner[]): Promise<Identity[]> {
  const owned = await ownedCredentials(system, identities, owners);
  return identities.map((i) => {
    const mine = owned.filter((o) => o.identity === i).map((o) => `\`${o.privilege.credential}\``);
    if (mine.length === 0) return i;
    return {
      ...i,
      refusal: `${i.label} owns the bot's ${system.module.title} credential (${[...new Set(mine)].join(', ')}): move it to another owner first, then retry; nothing was changed here`,
    };
  });
}
