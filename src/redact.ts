/**
 * A last guard before free text (notes, errors, reasons, labels from target systems) is shown in
 * Slack or the evidence PDF: nothing in the inputs should be secret, but a pasted token must never
 * be published. Identifiers (UUIDs, hex account ids, IBM ids) are left alone.
 */
const MASK = '[redacted]';

type Replacer = (match: string, ...groups: string[]) => string;

const RULES: Array<[RegExp, string | Replacer]> = [
  // Slack bot/user/app/refresh tokens: xoxb-, xoxp-, xoxa-, xoxe.xoxp-, xapp-
  [/\bxox[a-z](?:\.xox[a-z])?-[A-Za-z0-9-]+/gi, '[redacted Slack token]'],
  [/\bxapp-[A-Za-z0-9-]+/gi, '[redacted Slack token]'],
  // JSON Web Tokens (IAM access tokens)
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, MASK],
  // Authorization: Bearer <token>
  [/\bBearer\s+[A-Za-z0-9._~+/-]+=*/gi, `Bearer ${MASK}`],
  // apikey=..., "password": "...", client_secret: ...
  [
    /\b((?:ibm[_-]?)?api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|token|client[_-]?secret|secret|password|passwd)("?\s*[:=]\s*"?)([^\s"',;]+)/gi,
    (_m, key: string, sep: string) => `${key}${sep}${MASK}`,
  ],
  // Long random-looking strings (IBM Cloud API keys are 44 base64url characters).
  [/[A-Za-z0-9_-]{32,}/g, (m: string) => (looksRandom(m) ? MASK : m)],
];

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

function looksRandom(s: string): boolean {
  if (UUID.test(s)) return false; // ApiKey-<uuid>, ServiceId-<uuid>, policy ids
  if (/^[0-9a-f-]+$/i.test(s)) return false; // account ids, hashes
  return /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);
}

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}
