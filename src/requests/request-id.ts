import { randomInt } from 'node:crypto';

// Crockford base32 without I, L, O, U: easy to read aloud and to type into a ticket.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newRequestId(): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return `OFF-${s}`;
}
