import { redact } from '../redact.js';

/**
 * The `fetch` Bolt sends through: every form field of a Web API call (text, blocks, views, all JSON
 * strings inside) and every string of a JSON body (a command's `respond`) is masked on its way out,
 * so a listener's ephemeral, reply or view is covered whether or not it was built by our Block Kit
 * helpers. The token travels in a header.
 */
export const maskingFetch: typeof fetch = (input, init) => {
  if (typeof init?.body !== 'string') return fetch(input, init);
  if (/^application\/json\b/i.test(new Headers(init.headers).get('content-type') ?? '')) {
    return fetch(input, { ...init, body: JSON.stringify(maskStrings(JSON.parse(init.body))) });
  }
  const fields = new URLSearchParams(init.body);
  for (const [name, value] of [...fields]) fields.set(name, redact(value));
  return fetch(input, { ...init, body: fields.toString() });
};

function maskStrings(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(maskStrings);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskStrings(v)]));
  return value;
}
