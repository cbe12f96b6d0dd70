import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths that may carry credentials anywhere in a log object; pino masks them before writing. */
const SECRET_PATHS = [
  'token', '*.token', 'apikey', '*.apikey', 'apiKey', '*.apiKey', 'botToken', '*.botToken',
  'signingSecret', '*.signingSecret', 'authorization', '*.authorization', 'headers.authorization',
  '*.headers.authorization', 'access_token', '*.access_token', 'password', '*.password',
];

export function createLogger(level = 'info'): Logger {
  return pino({ level, redact: { paths: SECRET_PATHS, censor: '[redacted]' } });
}
