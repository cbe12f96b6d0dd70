/**
 * The masks applied wherever text leaves the process: Slack calls and Block Kit, log lines, the
 * audit trail in Redis, the evidence PDF. Nothing we publish should be secret, but a target system's error body
 * can echo a token, and people paste keys into free-text fields: those must never be published.
 * Identifiers (UUIDs, hex account ids, ids such as `ApiKey-<uuid>`, request and Slack ids,
 * transaction ids, emails) are never masked: an id replaced by a mask is evidence lost for good.
 *
 * Two strengths: `maskSecrets` masks the bot's own secret values and secret-shaped tokens (PEM
 * blocks, Slack tokens, JWTs, `Bearer …`, `password=…`), which no identifier resembles; `redact`
 * adds a guess at random-looking strings (a pasted API key has no other shape), and so is for
 * free text only: an identifier can look just as random.
 *
 * Every rule is JSON-safe: a match never spans a quote or a backslash escape, and no replacement
 * contains one, so a serialized log line or a JSON-encoded argument stays valid after masking.
 */
const MASK = '[redacted]';

type Replacer = (match: string, ...groups: string[]) => string;

// Values a key/value pair may not start with: prefixed ids (`apiKey: ApiKey-<uuid>`), JSON literals and
// structure, which are not secrets and whose replacement by a bare word would break a JSON line.
const VALUE = String.raw`(?![A-Za-z-]*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)(?!(?:null|true|false)\b)(?!-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:[\s,}\]]|$))[^\s"'\\,;&{}[\]]+`;
const SECRET_KEY =
  'api[_-]?key|(?:access|refresh|id|bot|app|admin|user)[_-]?token|token|client[_-]?secret|signing[_-]?secret|secret|password|passwd|pwd|passphrase|private[_-]?key|authorization|credentials?';

/** The shapes of a system's own secrets, which its module declares (`SystemModule.secretShapes`). */
export interface SecretShapes {
  /** Names (regular-expression source) whose value is a secret beyond the common ones, such as a vendor-prefixed `api_key`. */
  keys?: string[];
  /** Lengths at which a random-looking string without a digit is still taken for a pasted key of the system's. */
  randomLengths?: number[];
}

const keyNames: string[] = [];
const randomLengths = new Set<number>();

/** Masks these systems' secret shapes from now on; call once the configuration is loaded, as `registerSecrets`. */
export function registerSecretShapes(shapes: Iterable<SecretShapes | undefined>): void {
  for (const shape of shapes) {
    for (const key of shape?.keys ?? []) if (!keyNames.includes(key)) keyNames.push(key);
    for (const length of shape?.randomLengths ?? []) randomLengths.add(length);
  }
  RULES[RULES.length - 1] = keyValueRule([...keyNames, SECRET_KEY].join('|'));
}

// apikey=..., "password": "...", client_secret: ..., SLACK_BOT_TOKEN=..., also inside JSON-encoded strings (\"token\":\"...\").
// (Not after a colon: `::apikey:ApiKey-…` is a segment of a cloud resource name (CRN). A mask already in place is left as it is.)
function keyValueRule(keys: string): [RegExp, Replacer] {
  return [
    new RegExp(String.raw`(?<![A-Za-z0-9:])(${keys})(\\?["']?\s*[:=]\s*\\?["']?)(?!(?:Basic|Bearer|Token)\s+\[)(?:(?:Basic|Bearer|Token)\s+)?${VALUE}`, 'gi'),
    (_m, key: string, sep: string) => `${key}${sep}${MASK}`,
  ];
}

const RULES: Array<[RegExp, string | Replacer]> = [
  // PEM blocks of any type (private keys, certificates); an unterminated one is masked up to where its base64 ends.
  [/-----BEGIN [A-Z0-9 ]+-----(?:[^"]*?-----END [A-Z0-9 ]+-----|(?:[A-Za-z0-9+/=\s]|\\[nrt])*)/g, '[redacted PEM block]'],
  // Slack bot/user/app/refresh tokens: xoxb-, xoxp-, xoxa-, xoxe.xoxp-, xapp-
  [/\bxox[a-z](?:\.xox[a-z])?-[A-Za-z0-9-]+/gi, '[redacted Slack token]'],
  [/\bxapp-[A-Za-z0-9-]+/gi, '[redacted Slack token]'],
  // JSON Web Tokens (IAM access tokens); the signature may be empty (alg "none").
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, MASK],
  // Authorization: Bearer <token>
  [/\bBearer\s+[A-Za-z0-9._~+/-]+=*/gi, `Bearer ${MASK}`],
  // Last: registerSecretShapes replaces it with one that also knows the systems' own key names.
  keyValueRule(SECRET_KEY),
];

// Long random-looking strings, such as a pasted API key.
// (The look-behind keeps the scan linear: a run is only tried from its first character.)
const RANDOM_LOOKING = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}/g;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/**
 * The bot's own ids built on a request id, which free text, log lines and Slack messages quote: its
 * transaction ids (a step's `offboard-OFF-ABC123-1a2b3c-r2-a1`, a re-scan's, a rotation's
 * `offboard-OFF-ABC123-rotate-<hex>`), the names of the replacements it makes
 * (`offboard-rotation-OFF-ABC123-<hex>`) and of its evidence files (`offboarding-evidence-OFF-ABC123-round2-rev2`):
 * lower-case words and hex around the request id. A pasted secret never holds `OFF-` and six
 * capitals between lower-case segments.
 */
const OWN_ID = /^(?:[a-z0-9]+-)*OFF-[0-9A-Z]{6}(?:-[a-z0-9]+)*$/;

/**
 * Random base64url changes character class (upper, lower, digit, other) at about two adjacent
 * pairs in three; identifiers made of words (`offboarding-evidence-OFF-ABC123-round2`,
 * `ThisIsCamelCase`) far less often.
 */
function looksRandom(s: string): boolean {
  if (UUID.test(s) || OWN_ID.test(s)) return false; // ApiKey-<uuid>, iam-ServiceId-<uuid>, policy ids, ours
  const upper = /[A-Z]/.test(s);
  const lower = /[a-z]/.test(s);
  if (!upper || !lower) return false; // hex ids, hashes, lower-case slugs
  if (!/[0-9]/.test(s) && !randomLengths.has(s.length)) return false;
  let changes = 0;
  for (let i = 1; i < s.length; i++) if (charClass(s.charCodeAt(i)) !== charClass(s.charCodeAt(i - 1))) changes++;
  return changes / (s.length - 1) >= 0.4;
}

function charClass(code: number): number {
  if (code >= 65 && code <= 90) return 0;
  if (code >= 97 && code <= 122) return 1;
  if (code >= 48 && code <= 57) return 2;
  return 3;
}

// The exact values of the bot's own secrets, which no pattern can recognise (a Slack signing
// secret looks like an account id). Shorter values would mask ordinary words.
const MIN_SECRET_LENGTH = 8;
const secrets = new Set<string>();
let configured: RegExp | undefined;

/** Masks these values (and their JSON- and URL-encoded forms) from now on; call once the configuration is loaded. */
export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    for (const form of [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]) secrets.add(form);
  }
  const alternatives = [...secrets].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  configured = alternatives.length ? new RegExp(alternatives.join('|'), 'g') : undefined;
}

const SECRET_SETTING = /(?:token|secret|password|api[_-]?key)$/i;

/** The values of every setting named like a secret (`botToken`, `signingSecret`, `apiKey`, `…Password`), at any depth. */
export function configuredSecrets(config: object): string[] {
  return Object.entries(config).flatMap(([key, value]) => {
    if (typeof value === 'string') return SECRET_SETTING.test(key) ? [value] : [];
    return value && typeof value === 'object' ? configuredSecrets(value) : [];
  });
}

/** The bot's secret values and secret-shaped tokens masked; never a guess from how random a string looks. */
export function maskSecrets(text: string): string {
  let out = configured ? text.replace(configured, MASK) : text;
  for (const [pattern, replacement] of RULES) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

/** Free text masked: `maskSecrets`, and random-looking strings such as a pasted API key. */
export function redact(text: string): string {
  return maskSecrets(text).replace(RANDOM_LOOKING, (m: string) => (looksRandom(m) ? MASK : m));
}

/**
 * A copy of any JSON-like value with every string masked as free text; keys, numbers and
 * non-plain objects (Buffers, Dates) are kept as they are.
 */
export function redactDeep<T>(value: T): T {
  return deep(value, new WeakMap(), () => redact) as T;
}

/**
 * The fields of a record (an audit event) that hold free text: what people typed, what a target
 * system said, names and labels. An array takes its field's name (`unchecked: string[]`).
 */
const FREE_TEXT_FIELDS = new Set([
  'ticket',
  'notes',
  'note',
  'reason',
  'error',
  'detail',
  'why',
  'unchecked',
  'refusal',
  'label',
  'name',
  'title',
  'description',
  'message',
  'text',
]);

/**
 * A copy of a record with its free-text fields masked by `redact` and every other string (ids,
 * times, enums) by `maskSecrets` only, so no identifier is ever taken for a secret.
 */
export function redactRecord<T>(value: T): T {
  return deep(value, new WeakMap(), (field) => (field !== undefined && FREE_TEXT_FIELDS.has(field) ? redact : maskSecrets)) as T;
}

type MaskOf = (field: string | undefined) => (text: string) => string;

function deep(value: unknown, copies: WeakMap<object, unknown>, maskOf: MaskOf, field?: string): unknown {
  if (typeof value === 'string') return maskOf(field)(value);
  if (value === null || typeof value !== 'object') return value;
  const known = copies.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    copies.set(value, out);
    for (const item of value) out.push(deep(item, copies, maskOf, field));
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  copies.set(value, out);
  for (const [k, v] of Object.entries(value)) out[k] = deep(v, copies, maskOf, k);
  return out;
}
