import { z } from 'zod';
import { FIELDS, inputAction } from './blocks/ids.js';
import { requestId } from './payloads.js';

const taskRef = z.object({
  requestId,
  stepId: z.string().regex(/^[\w.-]{1,200}$/),
  item: z
    .string()
    .regex(/^[0-9a-f]{12}$/)
    .optional(),
});

/** The Not applicable modal's metadata: which task of which request (and which of its items, for a step whose items are tasks). */
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
export function readTaskNote(
  values: unknown,
  missing = 'Say why the task does not apply: the evidence records it with your name.',
): { ok: true; note: string } | { ok: false; error: string } {
  const element = (values as Record<string, Record<string, { value?: unknown }>> | undefined)?.[FIELDS.taskNote]?.[inputAction(FIELDS.taskNote)];
  const value = typeof element?.value === 'string' ? element.value.trim() : '';
  if (!value) return { ok: false, error: missing };
  if (value.length > TASK_NOTE_LIMIT) return { ok: false, error: `Keep the note to ${TASK_NOTE_LIMIT} characters or fewer.` };
  return { ok: true, note: value };
}

const rotationRef = z.object({ requestId, code: z.string().regex(/^[0-9a-f]{12}$/) });

/** The Not needed modal's metadata: which rotation task of which request. */
export function readRotationMetadata(raw: string | undefined): z.infer<typeof rotationRef> | undefined {
  try {
    const parsed = rotationRef.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
