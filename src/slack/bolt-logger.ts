import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../logger.js';

/** Routes Bolt's own logging into ours, so redaction and format apply to it too. */
export function boltLogger(logger: Logger): BoltLogger {
  const log = logger.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  return {
    debug: (...msg) => log.debug(msg.map(String).join(' ')),
    info: (...msg) => log.info(msg.map(String).join(' ')),
    warn: (...msg) => log.warn(msg.map(String).join(' ')),
    error: (...msg) => log.error(msg.map(String).join(' ')),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
