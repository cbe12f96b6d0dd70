import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Whether the request carries these HTTP basic credentials. Both sides are hashed first, so the
 * comparison takes the same time whatever the lengths, and user and password are both always compared.
 */
export function hasBasicCredentials(req: IncomingMessage, user: string, password: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  const given = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = given.indexOf(':');
  const userOk = sameSecret(colon >= 0 ? given.slice(0, colon) : '', user);
  const passwordOk = sameSecret(colon >= 0 ? given.slice(colon + 1) : '', password);
  return match !== null && colon >= 0 && userOk && passwordOk;
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
