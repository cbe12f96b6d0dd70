import { z } from 'zod';
import { REQUEST_ID } from '../requests/request.js';

/**
 * The parts of Slack's payloads our listeners use, as allow-lists: a signed request proves it came
 * through Slack, not that its fields are what our views sent. Anything else in a payload is dropped.
 */
export const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,20}$/);
export const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,20}$/);
export const requestId = z.string().regex(REQUEST_ID);
const triggerId = z.string().regex(/^[\w.-]{1,255}$/);
const viewId = z.string().regex(/^V[A-Z0-9]{2,30}$/);

export const commandPayload = z.object({
  user_id: slackUserId,
  channel_id: channelId,
  trigger_id: triggerId,
  /** Slack caps command text far below this; longer is not from a person typing. */
  text: z.string().max(1000),
});

/** Who clicked and where: enough to answer privately, whatever the rest of the click holds. */
export const clickContext = z.object({
  user: z.object({ id: slackUserId }),
  channel: z.object({ id: channelId }).optional(),
  trigger_id: triggerId.optional(),
  /** The surface clicked in, for a click on a view (the Home tab, a modal) rather than a message. */
  view: z.object({ type: z.string().max(20) }).optional(),
});

/** A button for one step of a request: its value is the request id and the step id, joined by `|`. */
export const stepButton = z.object({
  actions: z.tuple([z.object({ value: z.string().regex(/^OFF-[0-9A-Z]{6}\|[\w.-]{1,200}$/) })]),
});

export const stepButtonValue = (requestId: string, stepId: string) => `${requestId}|${stepId}`;

/** A task's button: the request, the step, and for a step whose items are tasks the item's code (`itemTaskCode`). */
export const taskButtonValue = (requestId: string, stepId: string, item?: string) => `${stepButtonValue(requestId, stepId)}${item ? `|${item}` : ''}`;
export const taskButton = z.object({
  actions: z.tuple([z.object({ value: z.string().regex(/^OFF-[0-9A-Z]{6}\|[\w.-]{1,200}(\|[0-9a-f]{12})?$/) })]),
});

/** A rotation task's button: the request and the task's code (`rotationCode`). */
export const rotationButtonValue = (requestId: string, code: string) => `${requestId}|${code}`;
export const rotationButton = z.object({
  actions: z.tuple([z.object({ value: z.string().regex(/^OFF-[0-9A-Z]{6}\|[0-9a-f]{12}$/) })]),
});

/** One of our buttons: its value is the request it acts on. */
export const requestButton = z.object({ actions: z.tuple([z.object({ value: requestId })]) });

/** A button of a system's feature: who clicked, where (the message, for its thread), which button and its value. */
export const featureClick = z.object({
  user: z.object({ id: slackUserId }),
  trigger_id: triggerId,
  channel: z.object({ id: channelId }),
  message: z.object({
    ts: z.string().regex(/^\d{1,12}\.\d{1,9}$/),
    thread_ts: z
      .string()
      .regex(/^\d{1,12}\.\d{1,9}$/)
      .optional(),
  }),
  actions: z.tuple([z.object({ action_id: z.string().max(255), value: z.string().max(2000) })]),
});

/** A person picked in one of the request form's people pickers (`dispatch_action`); `selected_user` is null once cleared. */
export const personPicked = z.object({
  user: z.object({ id: slackUserId }),
  actions: z.tuple([z.object({ selected_user: slackUserId.nullish() })]),
});

export const viewSubmissionPayload = z.object({
  user: z.object({ id: slackUserId }),
  team: z.object({ domain: z.string().regex(/^[a-z0-9-]{1,63}$/) }).nullish(),
  view: z.object({
    id: viewId,
    hash: z.string().regex(/^[\w.-]{1,100}$/),
    private_metadata: z.string().max(3000).optional(),
    /** Read field by field by the form readers, so one bad answer is named, not the whole form. */
    state: z.object({ values: z.unknown() }).optional(),
  }),
});
export type ViewSubmissionPayload = z.infer<typeof viewSubmissionPayload>;

export const appHomeOpenedEvent = z.object({ user: slackUserId, tab: z.string().max(20) });

/** `private_metadata` of the reject and approval-confirmation modals; it names the request and authorises nothing. */
const requestMetadata = z.object({ requestId }).strict();

export function readRequestMetadata(raw: string | undefined): string | undefined {
  try {
    const parsed = requestMetadata.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data.requestId : undefined;
  } catch {
    return undefined;
  }
}
