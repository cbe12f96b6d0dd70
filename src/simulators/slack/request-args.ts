import type { IncomingMessage } from 'node:http';
import { multipartBoundary, parseMultipart } from './multipart.js';

/** Arguments that @slack/web-api JSON-encodes into a single form field. */
const JSON_ARGS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata']);

export class ArgsDecodeError extends Error {
  constructor(
    readonly slackError: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ParsedApiRequest {
  token: string | undefined;
  /** Arguments without `token`, JSON-string args decoded. */
  args: Record<string, unknown>;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Reads a Web API call the way Slack does: query string, form-urlencoded, multipart or JSON body;
 * the token from `Authorization: Bearer` or else the `token` argument.
 */
export function parseApiRequest(req: IncomingMessage, url: URL, body: Buffer): ParsedApiRequest {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of url.searchParams) raw[k] = v;
  const contentType = req.headers['content-type'];
  const boundary = multipartBoundary(contentType);
  if (body.length > 0) {
    if (contentType && /^application\/json\b/i.test(contentType)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new ArgsDecodeError('invalid_json', 'request body is not valid JSON');
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new ArgsDecodeError('json_not_object', 'JSON body must be an object');
      }
      Object.assign(raw, parsed);
    } else if (boundary) {
      let parts;
      try {
        parts = parseMultipart(body, boundary);
      } catch (err) {
        throw new ArgsDecodeError('invalid_form_data', (err as Error).message);
      }
      for (const p of parts) raw[p.name] = p.filename !== undefined ? p.data : p.data.toString('utf8');
    } else {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) raw[k] = v;
    }
  }
  const auth = req.headers.authorization;
  const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
  const token = bearer || (typeof raw.token === 'string' ? raw.token : undefined);
  delete raw.token;
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (JSON_ARGS.has(key) && typeof value === 'string' && value !== '') {
      try {
        raw[key] = JSON.parse(value);
      } catch {
        throw new ArgsDecodeError(key === 'blocks' ? 'invalid_blocks_format' : 'invalid_arguments', `${key} is not valid JSON`);
      }
    }
  }
  return { token, args: raw };
}
