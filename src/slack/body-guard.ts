import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readBody } from '../http/read-body.js';

/**
 * The largest body Slack sends us is a click carrying the message or view it was on: a message
 * holds at most 50 blocks and our builders cut a section's text at 3000 characters, so about
 * 150,000 characters, a few hundred KB once form-encoded (App Home's view is smaller: it lists
 * a few rows). 1 MiB is well above that and a tenth of Bolt's own 10 MiB default, which let an
 * unsigned sender make us buffer ten times as much per request.
 */
export const BODY_LIMIT = 1024 * 1024;
/** Bolt refuses timestamps older than five minutes; we refuse ones as far in the future too. */
const MAX_CLOCK_SKEW_S = 300;
/** `v0=` and a hex HMAC-SHA256: anything else cannot be a Slack signature. */
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

export type BodyCheck = { ok: true } | { ok: false; status: 400 | 401 | 413; why: string };

export interface SignatureHeaders {
  timestamp: string;
  signature: string;
}

/**
 * The request's signature headers, when they can be Slack's and its timestamp is within five
 * minutes of ours either way: decided from the headers alone, so a request that cannot be
 * signed is refused before a byte of its body is read.
 */
export function signatureHeaders(req: IncomingMessage, nowMs = Date.now()): SignatureHeaders | undefined {
  const timestamp = req.headers['x-slack-request-timestamp'];
  const signature = req.headers['x-slack-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(timestamp) || !SIGNATURE.test(signature)) return undefined;
  return Math.abs(Number(timestamp) - nowMs / 1000) <= MAX_CLOCK_SKEW_S ? { timestamp, signature } : undefined;
}

/**
 * Reads the body up to BODY_LIMIT (stopping the moment it is exceeded), checks Slack's v0
 * signature over the raw bytes, and only then looks inside: nothing is decoded or parsed for a
 * sender without the signing secret. The bytes are handed to Bolt as the `rawBody` it looks for
 * (Bolt checks the signature again over the same bytes). A signed body whose `payload` (or JSON
 * body) is not a JSON object is refused too: Bolt's receiver throws on it where nothing of ours
 * can answer, and an unanswered throw there stops the process.
 */
export async function readSignedBody(req: IncomingMessage, signingSecret: string, headers: SignatureHeaders): Promise<BodyCheck> {
  const raw = await readBody(req, BODY_LIMIT);
  if (!raw) return TOO_LARGE;
  if (!signedBy(signingSecret, headers, raw)) return { ok: false, status: 401, why: 'its signature does not match its body' };
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
  return wellFormed(raw, String(req.headers['content-type'] ?? '')) ? { ok: true } : { ok: false, status: 400, why: 'its payload is not a JSON object' };
}

const TOO_LARGE: BodyCheck = { ok: false, status: 413, why: `its body is over ${BODY_LIMIT} bytes` };

function signedBy(secret: string, { timestamp, signature }: SignatureHeaders, raw: Buffer): boolean {
  const expected = createHmac('sha256', secret).update(`v0:${timestamp}:`).update(raw).digest();
  // Both are 32 bytes: the header's shape was checked before the body was read.
  return timingSafeEqual(expected, Buffer.from(signature.slice(3), 'hex'));
}

function wellFormed(raw: Buffer, contentType: string): boolean {
  const text = raw.toString('utf8');
  // A JSON object, or text that is not JSON at all (Bolt answers that with 400 itself).
  if (contentType.startsWith('application/json')) return isObject(tryJson(text));
  const payload = new URLSearchParams(text).get('payload');
  return payload === null || isObject(tryJson(payload));
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Bolt answers unparsable JSON with 400 itself.
    return {};
  }
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
