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
      resolve(wellFormed(raw, String(req.headers['content-type'] ?? '')) ? { ok: true } : { ok: false, status: 400 });
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

function wellFormed(raw: Buffer, contentType: string): boolean {
  const json = contentType.startsWith('application/json');
  // Almost every body shows it is well formed in its first bytes (`{`, or `payload=` and a value
  // that opens an object): those are decoded alone (Bolt decodes the whole body again anyway).
  // Anything else in them, a multi-byte character included, is not `{`, and the whole body is read.
  const head = raw.toString('latin1', 0, Math.min(raw.length, HEAD_BYTES));
  if (json ? firstNonBlank(head, 0) === '{' : head.startsWith(PAYLOAD) && firstNonBlank(head, PAYLOAD.length, true) === '{') return true;
  const text = raw.toString('utf8');
  // A JSON object, or text that is not JSON at all (Bolt answers that with 400 itself).
  if (json) return isObject(tryJson(text));
  const payload = new URLSearchParams(text).get('payload');
  return payload === null || isObject(tryJson(payload));
}

/** Enough for `payload=` and the blanks Slack might put before the value's first character. */
const HEAD_BYTES = 256;

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
