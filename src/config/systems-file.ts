import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { declaredModule, expandShorthand, type SystemDeclaration } from '../connectors/system-kinds.js';
import type { SystemModule } from '../connectors/system.js';

/** The setting that names the file. */
export const SYSTEMS_FILE = 'OFFBOARD_SYSTEMS_FILE';

/**
 * A system id goes into job ids, step ids, Redis keys and metric labels: lowercase letters, digits
 * and dashes, starting with a letter, short enough to read in a checklist.
 */
const SYSTEM_ID = /^[a-z][a-z0-9-]{0,39}$/;

/** What every entry has, whatever its kind; the kind reads the rest. */
export const declarationSchema = z.looseObject({
  id: z
    .string({ message: 'id is required' })
    .regex(SYSTEM_ID, 'id must be lowercase letters, digits and dashes, starting with a letter (at most 40): it goes into job ids and Redis keys')
    .describe('Unique, and not the id of a built-in system: the first part of its step ids and its metric label'),
  kind: z.string({ message: 'kind is required' }).min(1).describe('What the system is: one of the kinds below'),
  name: z.string({ message: 'name is required' }).min(1).describe('What the checklist, the preview and the evidence call it'),
});

const fileSchema = z.strictObject({ systems: z.array(z.unknown(), { message: 'systems must be a list of systems' }) });

/** A field that holds a secret has no place in the file: secrets are named by their environment variable. */
const SECRET_FIELD = /token|secret|password|passwd|api[_-]?key|credential/i;

export interface DeclaredSystems {
  /** The modules of the entries that hold, in the file's order. */
  modules: SystemModule<unknown>[];
  /** Every problem found, each naming the entry and its field, never a value of the environment. */
  problems: string[];
}

/**
 * The systems `OFFBOARD_SYSTEMS_FILE` declares, each built by its kind (`SYSTEM_KINDS` in
 * src/connectors/system-kinds.ts), with every
 * problem of the file listed: unreadable, not YAML, an entry of an unknown kind, an id taken twice
 * or by a built-in system (`builtIn`), a secret written in it, a variable that is one of the bot's
 * own (`reserved`). A declared system's own variables (its token) are checked by its `configure`,
 * with the rest of the configuration.
 */
export function loadSystemsFile(
  file: string,
  { builtIn, reserved = [] }: { builtIn: readonly SystemModule<unknown>[]; reserved?: readonly string[] },
): DeclaredSystems {
  const none = (problems: string[]): DeclaredSystems => ({ modules: [], problems });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return none([`${SYSTEMS_FILE} cannot be read (${reason}): it must name a YAML file declaring systems (docs/configuration.md)`]);
  }
  const document = parseDocument(text);
  // The first line says what and where ("… at line 3, column 4:"); the rest quotes the file.
  if (document.errors.length) return none(document.errors.map((e) => `${SYSTEMS_FILE} is not valid YAML: ${e.message.split('\n')[0]!.replace(/:$/, '')}`));
  const parsed = fileSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    return none(parsed.error.issues.map((i) => `${SYSTEMS_FILE}: ${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`));
  }

  const result: DeclaredSystems = { modules: [], problems: [] };
  const taken = new Map<string, string>(builtIn.map((m) => [m.id, `the built-in system ${m.title}`]));
  const variables = new Map<string, string>([
    ...reserved.map((name) => [name, "one of the bot's own settings"] as const),
    ...builtIn.flatMap((m) => Object.keys(m.variables.shape).map((name) => [name, `a setting of ${m.title}`] as const)),
  ]);
  parsed.data.systems.forEach((written, index) => {
    const raw = expandShorthand(written);
    const envelope = declarationSchema.safeParse(raw);
    const id = envelope.success ? envelope.data.id : typeof (raw as { id?: unknown } | null)?.id === 'string' ? (raw as { id: string }).id : undefined;
    const where = `${SYSTEMS_FILE} systems[${index}]${id ? ` (${id})` : ''}`;
    const problems: string[] = [];
    if (!envelope.success) {
      problems.push(...envelope.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)));
    }
    const entry = envelope.success ? envelope.data : undefined;
    const secrets = entry ? Object.keys(entry).filter((field) => SECRET_FIELD.test(field) && !field.endsWith('_env')) : [];
    for (const field of secrets) {
      problems.push(`${field}: a secret is never written in the file: name the environment variable that holds it (token_env)`);
    }
    if (entry && taken.has(entry.id)) problems.push(`id: "${entry.id}" is already ${taken.get(entry.id)}: each system needs an id of its own`);
    if (entry && !taken.has(entry.id)) taken.set(entry.id, `systems[${index}]'s`);
    const built = entry
      ? declaredModule(Object.fromEntries(Object.entries(entry).filter(([field]) => !secrets.includes(field))) as SystemDeclaration)
      : undefined;
    if (built && 'problems' in built) problems.push(...built.problems);
    else if (built) {
      for (const name of Object.keys(built.variables.shape).filter((v) => variables.has(v))) {
        problems.push(`${name} is ${variables.get(name)}: name a variable of its own`);
      }
    }
    if (problems.length || !built || 'problems' in built) {
      result.problems.push(...problems.map((p) => `${where}: ${p}`));
      return;
    }
    result.modules.push(built);
  });
  return result;
}
