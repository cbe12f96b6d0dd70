import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { readBody } from '../http/read-body.js';
import { wellFormedDeep } from '../well-formed.js';
import type { OpsRoutes } from '../ops/ops-routes.js';
import type { HrIntake } from './hr-intake.js';
import type { HrSource } from './hr-source.js';

/** HR events are a few hundred bytes each; a batch of a reduction in force stays far below this. */
export const HR_BODY_LIMIT = 256 * 1024;

/**
 * `POST` on each source's path. Nothing of the body is read before the headers show a signed,
 * current delivery of that source, nothing is parsed before its signature holds over the raw
 * bytes (read up to HR_BODY_LIMIT, the connection dropped past it), its text is made well-formed
 * Unicode before anything stores or shows it, and a refusal is logged with
 * the source, the reason and where it came from: never a header's value, the body, or the secret.
 * A delivery handled before is answered as it was, changing nothing. Errors on our side are 500,
 * so the sender retries.
 */
export function hrRoutes(sources: HrSource[], intake: HrIntake, logger: Logger, now: () => number = Date.now): OpsRoutes {
  const byPath = new Map(sources.map((s) => [s.path, s]));
  return (req, res) => {
    const source = byPath.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!source) return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return true;
    }
    const refused = (status: number, why: string) => {
      logger.warn({ source: source.id, status, from: req.socket.remoteAddress }, `refused an HR webhook: ${why}`);
      answer(req, res, status, { error: status === 401 ? 'signature not valid' : why }, true);
    };
    const early = source.precheck(req.headers, now());
    if (early) {
      refused(early.status, early.why);
      return true;
    }
    readBody(req, HR_BODY_LIMIT)
      .then(async (raw) => {
        if (!raw) return refused(413, `its body is over ${HR_BODY_LIMIT} bytes`);
        const verified = source.verify(raw, req.headers, now());
        if ('status' in verified) return refused(verified.status, verified.why);
        // JSON carries lone surrogates as escapes: names, ids and reasons are made well-formed here, before they are stored or shown.
        const handled = await intake.handle(source, wellFormedDeep(verified));
        logger.info({ source: source.id, events: handled.events.map((e) => e.outcome), duplicate: handled.duplicate }, 'HR webhook handled');
        answer(req, res, 200, handled.duplicate ? { duplicate: true } : { events: handled.events });
      })
      .catch((err: Error) => {
        logger.error({ source: source.id, err: err.message }, 'could not handle an HR webhook; the sender will retry it');
        if (!res.headersSent) answer(req, res, 500, { error: 'not handled; retry' });
      });
    return true;
  };
}

function answer(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, close = false): void {
  res.writeHead(status, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) }).end(JSON.stringify(body), () => {
    // The rest of a body we will not read is not drained either.
    if (close) req.destroy();
  });
}
