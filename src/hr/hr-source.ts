import type { IncomingHttpHeaders } from 'node:http';
import type { HrEvent } from './hr-event.js';

/** Why a delivery was refused, as the sender is answered (never with what it sent). */
export interface Refusal {
  status: 400 | 401;
  why: string;
}

/** A delivery whose signature holds: its id (a replay carries the same one) and the events it carries. */
export interface Verified {
  deliveryId: string;
  events: HrEvent[];
}

/**
 * One HR system that can ask for offboardings, as it plugs in: where it posts, how its deliveries
 * are signed, and how its payload maps onto HrEvent. Standard Webhooks and BambooHR are one file
 * each; another HR system (HiBob, Workday…) is another file and one line in the list the web part builds.
 */
export interface HrSource {
  /** Stable id: part of the Redis keys of its deliveries. */
  id: string;
  /** Shown as the requester: "HR system (BambooHR)". */
  requester: string;
  /** The path it posts to on the web server. */
  path: string;
  /**
   * From the headers alone, before a byte of the body is read: why this cannot be a signed,
   * current delivery of this source (no signature headers, a timestamp more than 5 minutes away).
   */
  precheck(headers: IncomingHttpHeaders, nowMs: number): Refusal | undefined;
  /** Checks the signature over the raw body, and only then parses it. */
  verify(raw: Buffer, headers: IncomingHttpHeaders, nowMs: number): Verified | Refusal;
}

/** Deliveries older or newer than this are refused, as both specifications say. */
export const TOLERANCE_S = 5 * 60;

/** A header's one value, if it has exactly one. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Unix seconds within the tolerance of now, either way. */
export function current(timestamp: string | undefined, nowMs: number): boolean {
  return timestamp !== undefined && /^\d{1,12}$/.test(timestamp) && Math.abs(Number(timestamp) - nowMs / 1000) <= TOLERANCE_S;
}
