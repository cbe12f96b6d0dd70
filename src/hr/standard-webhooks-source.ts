import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { z } from 'zod';
import type { HrEvent } from './hr-event.js';
import { current, header, type HrSource, type Refusal } from './hr-source.js';

export const HR_HOOK_PATH = '/hooks/hr';

/** The event as the contract has it; own keys only, lengths bounded. */
const eventSchema = z.object({
  type: z.string().max(100),
  timestamp: z.string().max(40).optional(),
  data: z.object({
    email: z.string().min(3).max(254),
    employee_id: z.string().min(1).max(100),
    name: z.string().max(200).optional(),
    effective_at: z.iso.datetime({ offset: true }).nullish(),
    reason: z.string().max(100).optional(),
  }),
});

/** Event types and what they mean here; any other type is answered and ignored. */
const KINDS: Record<string, HrEvent['kind']> = {
  'employee.terminated': 'terminated',
  'employee.termination_cancelled': 'cancelled',
  'employee.rehired': 'cancelled',
};

/** `v1,` and a base64 HMAC-SHA256, one or more, space-separated (a secret being rotated signs twice). */
const SIGNATURE = /^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=)*$/;

/**
 * Any HR system (or an integration platform) that signs per the Standard Webhooks specification:
 * `webhook-id`, `webhook-timestamp`, `webhook-signature`, an HMAC-SHA256 over `id.timestamp.body`
 * keyed with the base64 part of a `whsec_…` secret. Checked with the specification's own
 * implementation (`standardwebhooks`), which also refuses a timestamp more than 5 minutes away.
 */
export function standardWebhooksSource(secret: string, name: string): HrSource {
  const webhook = new Webhook(secret);
  return {
    id: 'standard',
    requester: `HR system (${name})`,
    path: HR_HOOK_PATH,
    precheck(headers, nowMs) {
      const id = header(headers, 'webhook-id');
      const signature = header(headers, 'webhook-signature');
      if (!id || id.length > 200 || !signature || !SIGNATURE.test(signature)) return { status: 401, why: 'it carries no Standard Webhooks signature' };
      if (!current(header(headers, 'webhook-timestamp'), nowMs)) return { status: 401, why: 'its timestamp is more than 5 minutes from ours' };
      return undefined;
    },
    verify(raw, headers) {
      let payload: unknown;
      try {
        payload = webhook.verify(raw, {
          'webhook-id': header(headers, 'webhook-id') ?? '',
          'webhook-timestamp': header(headers, 'webhook-timestamp') ?? '',
          'webhook-signature': header(headers, 'webhook-signature') ?? '',
        });
      } catch (err) {
        // The library parses only after the signature holds: a parse error is a signed body that is not JSON.
        if (err instanceof WebhookVerificationError) return { status: 401, why: err.message } satisfies Refusal;
        return { status: 400, why: 'its body is not JSON' } satisfies Refusal;
      }
      const parsed = eventSchema.safeParse(payload);
      if (!parsed.success) return { status: 400, why: `its event does not read: ${parsed.error.issues.map((i) => i.path.join('.') || 'event').join(', ')}` };
      const { type, data } = parsed.data;
      const kind = Object.hasOwn(KINDS, type) ? KINDS[type] : undefined;
      const deliveryId = header(headers, 'webhook-id')!;
      if (!kind) return { deliveryId, events: [] };
      return {
        deliveryId,
        events: [
          {
            kind,
            email: data.email,
            employeeId: data.employee_id,
            ...(data.name ? { name: data.name } : {}),
            effectiveAt: data.effective_at ? new Date(data.effective_at).toISOString() : null,
            ...(data.reason ? { reason: data.reason } : {}),
          },
        ],
      };
    },
  };
}
