import { z } from 'zod';
import { FIELDS, inputAction } from './blocks/ids.js';
import { requestId } from './payloads.js';

/** A step id as a task button carries it: system, scope and step, dot-separated (src/connectors/step-ref.ts). */
const stepId = z.string().regex(/^[a-z][a-z0-9-]*\.[^\s.]+\.[^\s.]+$/);

const taskRef = z.object({ requestId, stepId });

/** A task's Done or Not applicable click: the request and the step, as `taskButtonValue` wrote them. */
export const taskButton = z.object({
  actions: z.tuple([
    z.object({
      value: z.string().transform((v, ctx) => {
        const [r, s, ...rest] = v.split(' ');
        const parsed = taskRef.safeParse({ requestId: r, stepId: s });
        if (!parsed.success || rest.length) {
          ctx.addIssue({ code: 'custom', message: 'not a task button' });
          return z.NEVER;
        }
        return parsed.data;
      }),
    }),
  ]),
});

/** The Not applicable modal's metadata: which task of which request. */
export function readTaskMetadata(raw: string | undefined): z.infer<typeof taskRef> | undefined {
  try {
    const parsed = taskRef.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Longest note kept with an attestation. */
export const TASK_NOTE_LIMIT = 1_000;

/** The note of a Not applicable: required, so the evidence says why there was nothing to do. */
export function readTaskNote(values: unknown): { ok: true; note: string } | { ok: false; error: string } {
  const element = (values as Record<string, Record<string, { value?: unknown }>> | undefined)?.[FIELDS.taskNote]?.[inputAction(FIELDS.taskNote)];
  const value = typeof element?.value === 'string' ? element.value.trim() : '';
  if (!value) return { ok: false, error: 'Say why the task does not apply: the evidence records it with your name.' };
  if (value.length > TASK_NOTE_LIMIT) return { ok: false, error: `Keep the note to ${TASK_NOTE_LIMIT} characters or fewer.` };
  return { ok: true, note: value };
}
