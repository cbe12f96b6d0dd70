import type { IncomingMessage } from 'node:http';

/** Bolt's own default: Slack never sends more. */
const BODY_LIMIT = 10 * 1024 * 1024;

export type BodyCheck = { ok: true } | { ok: false; status: 400 | 413 };

/**
 * Reads the request body once, hands it to Bolt as the `rawBody` it looks for (so Bolt verifies
 * the signature over the same bytes), and refuses a body Bolt would choke on: a `payload` (or a
 * JSON body) that is not a JSON object makes Bolt's receiver throw where nothing of ours can
 * answer, and an unanswered throw there stops the process.
 */
export async function bufferSlackBody(req: IncomingMessage): Promise<BodyCheck> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) return { ok: false, status: 413 };
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
  return wellFormed(raw.toString('utf8'), String(req.headers['content-type'] ?? '')) ? { ok: true } : { ok: false, status: 400 };
}

function wellFormed(text: string, contentType: string): boolean {
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
