import type { AuditRecord } from '../audit/audit-event.js';
import type { Identity } from '../connectors/system.js';
import { earlierIdentities as identitiesBefore, identifiedSystems as identifiedIn, runView } from './run-view.js';

/** Identities found in any earlier round: the ones a person removed since can no longer be found by email. */
export function earlierIdentities(trail: AuditRecord[], system: string, round: number): Identity[] {
  return identitiesBefore(runView(trail), system, round);
}

/** Systems whose identification has ended for `round`, found or failed. */
export function identifiedSystems(trail: AuditRecord[], round: number): Set<string> {
  return identifiedIn(runView(trail), round);
}
