import type { SweepItem } from './sweep-items.js';

const KIND_NAMES: Record<SweepItem['kind'], string> = {
  user: 'user',
  'user-apikey': 'user API key',
  'serviceid-apikey': 'service ID API key',
  serviceid: 'service ID',
  profile: 'trusted profile',
};

/**
 * A spreadsheet opens a cell starting with = + - @ (or a tab or return) as a formula: outside names
 * are made plain text with a leading apostrophe (OWASP's advice on CSV injection), then quoted.
 */
function cell(value: string | undefined): string {
  const v = value ?? '';
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** Every identity of a digest, one a row, for the CSV attached in its thread (RFC 4180, CRLF). */
export function sweepCsv(account: string, items: readonly SweepItem[]): string {
  const header = ['account', 'kind', 'id', 'name', 'email', 'belongs_to', 'last_authentication', 'status'];
  const rows = items.map((i) => [
    account,
    KIND_NAMES[i.kind],
    i.id,
    i.name,
    i.email,
    i.owner,
    i.lastAuthn ?? 'never',
    i.offboarding ? `offboarding ${i.offboarding.state} (${i.offboarding.requestId})` : i.disabledBy ? `disabled by the sweep (${i.disabledBy})` : '',
  ]);
  return `${[header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

export { KIND_NAMES as SWEEP_KIND_NAMES };
