import { pino, type DestinationStream, type Logger } from 'pino';
import { redact } from './redact.js';

export type { Logger };

/** Paths that may carry credentials anywhere in a log object; pino masks them before writing. */
const SECRET_PATHS = [
  'token',
  '*.token',
  'apikey',
  '*.apikey',
  'apiKey',
  '*.apiKey',
  'botToken',
  '*.botToken',
  'signingSecret',
  '*.signingSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'access_token',
  '*.access_token',
  'password',
  '*.password',
];

/**
 * Logs JSON lines to `destination` (stdout by default). Besides the paths above, every line is
 * masked as a whole once pino has serialized it, so a secret in a message, an error's message or
 * stack, a child logger's bindings or any nested value never reaches the output.
 */
export function createLogger(level = 'info', destination: DestinationStream = pino.destination(1)): Logger {
  const masked: DestinationStream = { write: (line: string) => destination.write(redact(line)) };
  return pino({ level, redact: { paths: SECRET_PATHS, censor: '[redacted]' } }, masked);
}
