import { z } from 'zod';

/** Shared pieces of every configuration schema, the bot's own and each system's. */
export const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

// z.url() alone accepts any scheme (ftp:, javascript:); z.httpUrl() refuses IP hosts the simulators use.
export const url = (name: string) => z.url({ protocol: /^https?$/, message: `${name} must be an http(s) URL` });
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Each problem names its variable, never its value: some are secrets. */
export function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.message.includes(String(i.path[0])) ? i.message : `${String(i.path[0])}: ${i.message}`));
}
