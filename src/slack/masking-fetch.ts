import { redact } from '../redact.js';

/**
 * The `fetch` Bolt's own Web API client sends through: every form field of a call (text, blocks,
 * views, all JSON strings inside) is masked on its way out, so a listener's ephemeral or view is
 * covered whether or not it was built by our Block Kit helpers. The token travels in a header.
 */
export const maskingFetch: typeof fetch = (input, init) => {
  if (typeof init?.body !== 'string') return fetch(input, init);
  const fields = new URLSearchParams(init.body);
  for (const [name, value] of [...fields]) fields.set(name, redact(value));
  return fetch(input, { ...init, body: fields.toString() });
};
