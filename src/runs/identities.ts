import type { ConnectedSystem, Identity, Person } from '../connectors/system.js';

/**
 * The person's identities in every scope of a system (or those named), asked side by side: for a
 * look that is not a round's identification (the preview, a re-scan), which keeps no progress.
 */
export async function identifyEverywhere(
  system: ConnectedSystem,
  person: Person,
  earlier: Identity[],
  scopes: readonly string[] = system.settings.scopes,
): Promise<Identity[]> {
  const perScope = await Promise.all(
    scopes.map((scope) =>
      system.settings.identify(
        system.client,
        person,
        scope,
        earlier.filter((e) => e.scope === scope),
      ),
    ),
  );
  return perScope.flat();
}
