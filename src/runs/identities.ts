import type { AuditRecord } from '../audit/audit-event.js';
import type { ConnectedSystem, Identity, Person } from '../connectors/system.js';

/** The identities `system` was found to have for `round`, as its identification recorded them. */
export function identitiesOf(trail: AuditRecord[], system: string, round: number): Identity[] {
  const e = trail.find((r) => r.type === 'identities.found' && r.system === system && r.round === round);
  return e?.type === 'identities.found' ? e.identities : [];
}

/** Identities found in any earlier round: the ones a person removed since can no longer be found by email. */
export function earlierIdentities(trail: AuditRecord[], system: string, round: number): Identity[] {
  const seen = new Map<string, Identity>();
  for (const e of trail) {
    if (e.type !== 'identities.found' || e.system !== system || e.round >= round) continue;
    for (const i of e.identities) seen.set(`${i.scope}\u0000${i.id}`, i);
  }
  return [...seen.values()];
}

/** Systems whose identification has ended for `round`, found or failed. */
export function identifiedSystems(trail: AuditRecord[], round: number): Set<string> {
  return new Set(trail.flatMap((e) => ((e.type === 'identities.found' || e.type === 'identities.failed') && e.round === round ? [e.system] : [])));
}

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
