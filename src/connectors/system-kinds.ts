import { manualSystem } from './manual/system.js';
import { TASK_TEMPLATES } from './manual/templates.js';
import { declareScimSystem } from './scim/system.js';
import type { SystemModule } from './system.js';

/**
 * One entry of the systems file (`OFFBOARD_SYSTEMS_FILE`), as its kind reads it: the loader has
 * checked `id`, `kind` and `name` and hands the kind the entry without `kind`.
 */
export interface SystemDeclaration {
  id: string;
  kind: string;
  name: string;
  [field: string]: unknown;
}

/**
 * Builds the module of one declared system from its entry (less `kind`). Every problem with the
 * entry is returned, each naming its field; one thrown is listed as it is.
 */
export type SystemKind = (entry: Record<string, unknown>) => SystemModule<unknown> | { problems: string[] };

/**
 * Every kind a systems file may declare, and what builds it: one line a kind, the one place a
 * kind plugs in. Its simulator kit is `src/simulators/<kind>/kit.ts` (`declaredKit`).
 */
export const SYSTEM_KINDS: Readonly<Record<string, SystemKind>> = {
  scim: (entry) => {
    const system = declareScimSystem(entry);
    return 'problems' in system ? system : (system.module as SystemModule<unknown>);
  },
  manual: (entry) => manualSystem(entry) as SystemModule<unknown> | { problems: string[] },
};

/**
 * An entry as written, with what a one-line template entry (`- template: laptop`) leaves out filled
 * in: a manual task, named and identified after its template. Anything else is returned as it is.
 */
export function expandShorthand(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const entry = raw as Record<string, unknown>;
  if (typeof entry.template !== 'string' || (entry.kind !== undefined && entry.kind !== 'manual')) return raw;
  // An unknown template still reads as a manual task, whose kind then names the templates there are.
  return { kind: 'manual', id: entry.template, name: TASK_TEMPLATES[entry.template]?.name ?? entry.template, ...entry };
}

/**
 * The module of one declared system, built by its kind; every problem returned (an unknown kind,
 * or what the kind finds wrong with the entry), one thrown listed as it is.
 */
export function declaredModule(declaration: SystemDeclaration): SystemModule<unknown> | { problems: string[] } {
  const { kind, ...entry } = declaration;
  const build = SYSTEM_KINDS[kind];
  if (!build) return { problems: [`kind: "${kind}" is not a kind of system the bot knows: one of ${Object.keys(SYSTEM_KINDS).join(', ')}`] };
  try {
    return build(entry);
  } catch (err) {
    return { problems: [(err as Error).message] };
  }
}
