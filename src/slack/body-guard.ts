import type { IncomingMessage } from 'node:http';

/** Bolt's own default: Slack never sends more. */
const BODY_LIMIT = 10 * 1024 * 1024;

export type BodyCheck = { ok: true } | { ok: false; status: 400 | 413 };

/**
 * Reads the request body once, hands it to Bolt as the `rawBody` it looks for (so Bolt verifies
 * the signature over the same bytes), and refuses a body Bolt would choke on: a `payload` (or a
 * JSON body) that is not a JSON object makes Bolt's receiver throw where nothing of ours can
 * answer, and an unanswered throw there stops the process. Every Slack request waits on this
 * before its answer, so it reads with plain stream events and decides from the first character
 * where it can.
 */
export function bufferSlackBody(req: IncomingMessage): Promise<BodyCheck> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    function onData(chunk: Buffer) {
      size += chunk.length;
      if (size <= BODY_LIMIT) return void chunks.push(chunk);
      stop();
      req.destroy();
      resolve({ ok: false, status: 413 });
    }
    function onEnd() {
      stop();
      const raw = Buffer.concat(chunks);
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
      resolve(wellFormed(raw.toString('utf8'), String(req.headers['content-type'] ?? '')) ? { ok: true } : { ok: false, status: 400 });
    }
    function onError(err: Error) {
      stop();
      reject(err);
    }
    function onClose() {
      stop();
      reject(new Error('the request closed before its body ended'));
    }
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

function wellFormed(text: string, contentType: string): boolean {
  // A JSON object, or text that is not JSON at all (Bolt answers that with 400 itself).
  if (contentType.startsWith('application/json')) return firstNonBlank(text, 0) === '{' || isObject(tryJson(text));
  // Interactions arrive as `payload=<JSON>` alone: a value that opens an object passes without reading the rest.
  if (text.startsWith(PAYLOAD) && firstNonBlank(text, PAYLOAD.length, true) === '{') return true;
  const payload = new URLSearchParams(text).get('payload');
  return payload === null || isObject(tryJson(payload));
}

const PAYLOAD = 'payload=';
const JSON_BLANKS = new Set([' ', '\t', '\n', '\r']);

/** The first character from `i` that is not JSON whitespace, form-decoded if `encoded` (up to the next field). */
function firstNonBlank(text: string, i: number, encoded = false): string {
  while (i < text.length) {
    let c = text[i]!;
    i++;
    if (encoded) {
      if (c === '&') return '';
      if (c === '+') c = ' ';
      else if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i, i + 2))) {
        c = String.fromCharCode(parseInt(text.slice(i, i + 2), 16));
        i += 2;
      }
    }
    if (!JSON_BLANKS.has(c)) return c;
  }
  return '';
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
