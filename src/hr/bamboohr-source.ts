import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { HrEvent } from './hr-event.js';
import { current, header, type HrSource } from './hr-source.js';

export const BAMBOOHR_HOOK_PATH = '/hooks/hr/bamboohr';

/** A webhook posts the fields it was set up to post, under their API names or their labels: either is read. */
const FIELD_NAMES = {
  email: ['workEmail', 'Work Email', 'email', 'Email'],
  status: ['status', 'Status'],
  employmentStatus: ['employmentHistoryStatus', 'Employment Status', 'employmentStatus'],
  firstName: ['firstName', 'First Name'],
  lastName: ['lastName', 'Last Name'],
  terminationDate: ['terminationDate', 'Termination Date'],
  reason: ['terminationReason', 'Termination Reason', 'terminationType', 'Termination Type'],
} as const;

const field = z.union([z.string().max(254), z.number(), z.null()]).optional();
const payloadSchema = z.object({
  employees: z
    .array(
      z.object({
        id: z.union([z.string().max(100), z.number()]),
        action: z.string().max(40).optional(),
        changedFields: z.array(z.string().max(100)).max(200).optional(),
        fields: z.record(z.string().max(100), field),
      }),
    )
    .max(1000),
});

/** BambooHR's own signature: a hex HMAC-SHA256 with the webhook's private key over the body followed by the timestamp. */
const SIGNATURE = /^[0-9a-f]{64}$/i;

/**
 * BambooHR, which has no "terminated" event: a webhook watches the Status and Employment Status
 * fields, and a change to Inactive or Terminated is a termination (at the end of the termination
 * date, UTC, when one is posted), a change back to Active (a rehire, a termination undone) cancels.
 * Any other change it posts is ignored.
 */
export function bambooHrSource(secret: string): HrSource {
  return {
    id: 'bamboohr',
    requester: 'HR system (BambooHR)',
    path: BAMBOOHR_HOOK_PATH,
    precheck(headers, nowMs) {
      const signature = header(headers, 'x-bamboohr-signature');
      if (!signature || !SIGNATURE.test(signature)) return { status: 401, why: 'it carries no BambooHR signature' };
      if (!current(header(headers, 'x-bamboohr-timestamp'), nowMs)) return { status: 401, why: 'its timestamp is more than 5 minutes from ours' };
      return undefined;
    },
    verify(raw, headers) {
      const timestamp = header(headers, 'x-bamboohr-timestamp') ?? '';
      const signature = header(headers, 'x-bamboohr-signature') ?? '';
      const expected = createHmac('sha256', secret).update(raw).update(timestamp).digest();
      // Both 32 bytes: the header's shape was checked before the body was read.
      if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return { status: 401, why: 'its signature does not match its body' };
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        return { status: 400, why: 'its body is not JSON' };
      }
      const parsed = payloadSchema.safeParse(json);
      if (!parsed.success)
        return { status: 400, why: `its payload does not read: ${parsed.error.issues.map((i) => i.path.join('.') || 'payload').join(', ')}` };
      // BambooHR sends no delivery id: the signature names this body at this time, and a replay carries both.
      return { deliveryId: signature.toLowerCase(), events: parsed.data.employees.flatMap((e) => eventOf(e)) };
    },
  };
}

type Employee = z.infer<typeof payloadSchema>['employees'][number];

function eventOf(employee: Employee): HrEvent[] {
  const get = (names: readonly string[]) => {
    for (const name of names) {
      const value = Object.hasOwn(employee.fields, name) ? employee.fields[name] : undefined;
      if (value !== undefined && value !== null && String(value).trim() !== '') return String(value).trim();
    }
    return undefined;
  };
  const email = get(FIELD_NAMES.email);
  const status = get(FIELD_NAMES.status)?.toLowerCase();
  const employment = get(FIELD_NAMES.employmentStatus)?.toLowerCase();
  // Only a change of status says anything about employment; a webhook may post other changes too.
  const statusFields: readonly string[] = [...FIELD_NAMES.status, ...FIELD_NAMES.employmentStatus];
  if (!email || (employee.changedFields && !employee.changedFields.some((f) => statusFields.includes(f)))) return [];
  const left = status === 'inactive' || employment === 'terminated';
  const back = !left && (status === 'active' || (employment !== undefined && employment !== 'terminated'));
  if (!left && !back) return [];
  const name = [get(FIELD_NAMES.firstName), get(FIELD_NAMES.lastName)].filter(Boolean).join(' ');
  const date = get(FIELD_NAMES.terminationDate);
  const reason = get(FIELD_NAMES.reason);
  return [
    {
      kind: left ? 'terminated' : 'cancelled',
      email,
      employeeId: String(employee.id),
      ...(name ? { name } : {}),
      effectiveAt: left && date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T23:59:59.000Z` : null,
      ...(reason ? { reason } : {}),
    },
  ];
}
