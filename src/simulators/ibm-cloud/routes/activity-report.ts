import { randomUUID } from 'node:crypto';
import { ibmError, intParam, requireAccount, type RouteContext, type SimResponse } from '../http.js';
import type { Route } from '../router.js';
import { alive, type SimReport, type SimState } from '../state.js';
import { activityOf } from './service-ids.js';

/**
 * IAM Identity's activity report of an account: `createReport` answers 202 with a reference;
 * `getReport` answers 204 while it is generating (the simulator's `reportGenerationMs`), 200 once
 * ready, and 404 for a reference it does not hold. Only the latest report of an account is kept,
 * so a new one makes the former reference unknown.
 */
function createReport(ctx: RouteContext): SimResponse {
  const accountId = ctx.params.account_id!;
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const type = ctx.query.get('type');
  if (type !== null && type !== 'inactive') return ibmError(400, `Invalid report type "${type}": the supported value is inactive.`, ctx.transactionId);
  const duration = intParam(ctx.query, 'duration', 1, 24 * 366);
  if (duration === 'invalid') return ibmError(400, 'duration must be a whole number of hours.', ctx.transactionId, 'invalid_parameter');
  const report: SimReport = {
    reference: randomUUID(),
    createdBy: ctx.callerIamId ?? '',
    durationHours: duration ?? 720,
    startedAt: ctx.now,
  };
  ctx.state.reports.set(accountId, report);
  return { status: 202, body: { reference: report.reference } };
}

function getReport(ctx: RouteContext): SimResponse {
  const accountId = ctx.params.account_id!;
  const denied = requireAccount(ctx, accountId);
  if (denied) return denied;
  const report = ctx.state.reports.get(accountId);
  if (!report || (ctx.params.reference !== 'latest' && ctx.params.reference !== report.reference)) {
    return ibmError(404, `Report ${ctx.params.reference} not found for account ${accountId}.`, ctx.transactionId, 'not_found');
  }
  // Generating until the simulator's current generation time has passed since it was asked for.
  if (ctx.now < (report.readyAt ?? report.startedAt + ctx.state.reportGenerationMs)) return { status: 204 };
  return { status: 200, body: reportBody(ctx.state, accountId, report) };
}

/** Every identity of the account that did not sign in within the report's duration before it was asked for. */
function reportBody(state: SimState, accountId: string, report: SimReport) {
  const end = report.startedAt;
  const cutoff = end - report.durationHours * 3_600_000;
  const inactive = (lastAuthn: string | undefined) => lastAuthn === undefined || Date.parse(lastAuthn) < cutoff;
  const at = (t: string | undefined) => (t === undefined ? {} : { last_authn: t });
  const members = state.users.filter((u) => alive(u) && u.value.account_id === accountId).map((u) => u.value);
  const people = [...new Map(members.map((u) => [u.iam_id, u])).values()];
  const serviceIds = state.serviceIds.filter((s) => alive(s) && s.value.account_id === accountId).map((s) => s.value);
  return {
    created_by: report.createdBy,
    reference: report.reference,
    report_duration: String(report.durationHours),
    report_start_time: new Date(cutoff).toISOString(),
    report_end_time: new Date(end).toISOString(),
    users: people
      .filter((u) => inactive(state.userSignIns[u.iam_id]))
      .map((u) => ({ iam_id: u.iam_id, name: `${u.firstname} ${u.lastname}`, username: u.user_id, email: u.email, ...at(state.userSignIns[u.iam_id]) })),
    apikeys: state.apiKeys
      .filter((k) => alive(k) && k.value.account_id === accountId && inactive(k.value.activity?.last_authn))
      .map(({ value: k }) => {
        const serviceId = serviceIds.find((s) => s.iam_id === k.iam_id);
        const user = people.find((u) => u.iam_id === k.iam_id);
        return {
          id: k.id,
          name: k.name,
          type: k.iam_id.startsWith('iam-ServiceId-') ? 'serviceid' : 'user',
          ...(serviceId ? { serviceid: { id: serviceId.id, name: serviceId.name } } : {}),
          ...(user ? { user: { iam_id: user.iam_id, name: `${user.firstname} ${user.lastname}`, username: user.user_id, email: user.email } } : {}),
          ...at(k.activity?.last_authn),
        };
      }),
    serviceids: serviceIds
      .map((s) => ({ s, last: activityOf(state, s).last_authn }))
      .filter(({ last }) => inactive(last))
      .map(({ s, last }) => ({ id: s.id, name: s.name, ...at(last) })),
    profiles: state.profiles
      .filter((p) => alive(p) && p.value.account_id === accountId && inactive(p.value.activity?.last_authn))
      .map(({ value: p }) => ({ id: p.id, name: p.name, ...at(p.activity?.last_authn) })),
  };
}

/**
 * Makes `accountId`'s latest report as IAM would have generated it at `asOf` over the `durationHours`
 * before, ready `readyInMs` from now: what a test cannot wait hours for (a window that starts after
 * a disable made moments ago). The former report's reference becomes unknown, as with `createReport`.
 */
export function fileReport(
  state: SimState,
  accountId: string,
  { asOf = new Date(), durationHours = 720, readyInMs = 0 }: { asOf?: Date | string; durationHours?: number; readyInMs?: number },
): string {
  const report: SimReport = {
    reference: randomUUID(),
    createdBy: state.botIamId,
    durationHours,
    startedAt: Date.parse(typeof asOf === 'string' ? asOf : asOf.toISOString()),
    readyAt: Date.now() + readyInMs,
  };
  state.reports.set(accountId, report);
  return report.reference;
}

export const activityReportRoutes: Route[] = [
  { method: 'POST', pattern: '/v1/activity/accounts/:account_id/report', handler: createReport },
  { method: 'GET', pattern: '/v1/activity/accounts/:account_id/report/:reference', handler: getReport },
];
