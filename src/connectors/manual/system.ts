import { z } from 'zod';
import type { Attesters } from '../../audit/audit-event.js';
import type { StepCapabilities } from '../connector.js';
import type { SystemModule } from '../system.js';
import { TASK_TEMPLATES } from './templates.js';

/** The one scope of a manual system, and its one step: a task someone does outside the bot and attests. */
export const TASK_SCOPE = 'task';
export const TASK_STEP = 'attestation';

const USER_ID = /^[UW][A-Z0-9]+$/;
const GROUP_ID = /^S[A-Z0-9]+$/;

/**
 * One manual task as the systems file declares it (`kind: manual`), or switched on from a template
 * (`template: laptop`), whose name and instructions it may override.
 */
export const manualFieldsSchema = z.strictObject({
  id: z.string().describe('The system id: the first part of its step id'),
  name: z.string().min(1).optional().describe("What the checklist and the evidence call it (a template's name by default)"),
  template: z
    .enum(Object.keys(TASK_TEMPLATES) as [string, ...string[]], { message: `template must be one of ${Object.keys(TASK_TEMPLATES).join(', ')}` })
    .optional()
    .describe('A shipped task (laptop, phone, badge): its name and instructions'),
  instructions: z.string().trim().min(1, 'instructions must say what to do').max(2_000).optional().describe('What the attesters do, shown in the checklist'),
  attesters: z
    .union([z.string(), z.array(z.string())], { message: 'attesters must be a user group id (S…) or user ids (U…)' })
    .describe('Who may attest it, beside approvers: one user group id `S…` (its members at click time) or user ids `U…` (a list, or comma-separated)'),
});

/** The entry, read: its name and instructions (a template's unless given) and its attesters. */
export const manualDeclarationSchema = manualFieldsSchema.transform((d, ctx) => {
  const template = d.template ? TASK_TEMPLATES[d.template] : undefined;
  const name = d.name ?? template?.name;
  const instructions = d.instructions ?? template?.instructions;
  if (!name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'name is required (or a template that names it)' });
  if (!instructions) ctx.addIssue({ code: 'custom', path: ['instructions'], message: 'instructions are required (or a template that has them)' });
  const ids = (Array.isArray(d.attesters) ? d.attesters : d.attesters.split(',')).map((s) => s.trim()).filter(Boolean);
  let attesters: Attesters | undefined;
  if (ids.length === 1 && GROUP_ID.test(ids[0]!)) attesters = { kind: 'usergroup', id: ids[0]! };
  else if (ids.length > 0 && ids.every((id) => USER_ID.test(id))) attesters = { kind: 'users', ids };
  else ctx.addIssue({ code: 'custom', path: ['attesters'], message: 'attesters must be one user group id (S…) or user ids (U…)' });
  return { id: d.id, name: name ?? '', instructions: instructions ?? '', attesters: attesters ?? { kind: 'users', ids: [] } };
});

export type ManualDeclaration = z.input<typeof manualDeclarationSchema>;

/** What a task step holds: what to do, and who may say it was done. */
export interface ManualTask {
  instructions: string;
  attesters: Attesters;
}

/**
 * A manual task's capabilities: it lists nothing (there is nothing the bot can read), so the preview
 * says what it is, and it takes part in both removing phases as a step that only reports. Its job
 * opens the task and waits for an attestation (src/runs/task-step.ts), never for a read-back.
 */
const taskCapabilities = (name: string): StepCapabilities => ({
  inventory: async () => ({ found: [], note: `a task done outside the bot (${name}), attested in the checklist` }),
});

/**
 * The module of one manual task declared in the systems file: one step whose job opens the task in
 * the checklist and waits until an attester or an approver attests it (Done, or Not applicable with
 * a note). Every problem of the entry is returned, each naming its field.
 */
export function manualSystem(entry: unknown): SystemModule<ManualTask> | { problems: string[] } {
  const parsed = manualDeclarationSchema.safeParse(entry);
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)) };
  const { id, name, instructions, attesters } = parsed.data;
  const task: ManualTask = { instructions, attesters };
  return {
    id,
    title: name,
    scopeNoun: TASK_SCOPE,
    notCovered: [`${name}: attested by a person, not read back by the bot`],
    steps: [{ step: TASK_STEP, title: name, task, connect: () => taskCapabilities(name) }],
    // Declared, so always on; named where a switched-off system would name its variable.
    switchedOnBy: 'OFFBOARD_SYSTEMS_FILE',
    variables: z.object({}),
    configure: () => ({
      scopes: [TASK_SCOPE],
      secrets: [],
      summary: { attesters: attesters.kind === 'usergroup' ? attesters.id : attesters.ids.join(',') },
      connect: () => task,
      checkStartup: async () => {},
      // Nobody to find: the task is about the person, whoever they are in Slack.
      identify: async () => [],
    }),
  };
}
