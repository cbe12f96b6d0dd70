import { z } from 'zod';
import { REASONS, type Reason } from '../requests/request.js';
import { FIELDS, inputAction } from './blocks/ids.js';

/** What the request modal holds once Slack's state shape is peeled off. */
export interface RequestForm {
  personId?: string;
  reason?: Reason;
  timing: 'now' | 'scheduled';
  /** Unix seconds from the datetimepicker. */
  effectiveAt?: number;
  disposition: 'disable_then_delete' | 'delete_now';
  graceDays?: number;
  successorId?: string;
  ticket: string;
  notes: string;
}

const element = z
  .object({
    selected_user: z.string().nullish(),
    selected_option: z.object({ value: z.string() }).nullish(),
    selected_date_time: z.number().nullish(),
    value: z.string().nullish(),
  })
  .partial();
const stateValues = z.record(z.string(), z.record(z.string(), element));
export type StateValues = z.infer<typeof stateValues>;

/** Reads the modal's `view.state.values`; a malformed payload throws, a missing answer stays undefined. */
export function readRequestForm(raw: unknown): RequestForm {
  const values = stateValues.parse(raw);
  const get = (block: string) => values[block]?.[inputAction(block)] ?? {};
  const text = (block: string) => get(block).value?.trim() ?? '';
  const reason = get(FIELDS.reason).selected_option?.value;
  const grace = text(FIELDS.graceDays);
  return {
    personId: get(FIELDS.person).selected_user ?? undefined,
    reason: reason && reason in REASONS ? (reason as Reason) : undefined,
    timing: get(FIELDS.timing).selected_option?.value === 'scheduled' ? 'scheduled' : 'now',
    effectiveAt: get(FIELDS.effectiveAt).selected_date_time ?? undefined,
    disposition: get(FIELDS.disposition).selected_option?.value === 'delete_now' ? 'delete_now' : 'disable_then_delete',
    graceDays: grace === '' ? undefined : Number(grace),
    successorId: get(FIELDS.successor).selected_user ?? undefined,
    ticket: text(FIELDS.ticket),
    notes: text(FIELDS.notes),
  };
}
