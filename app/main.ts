import { ConfigError, loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/logger.js';
import { startOffboardBot } from './offboard-bot.js';
import { SYSTEMS } from '../jobs/systems.js';

async function main() {
  let config;
  try {
    config = loadConfig(process.env, SYSTEMS);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${err.message}\nSee docs/configuration.md.`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  const bot = await startOffboardBot(config, { logger });
  logger.info({ role: config.role }, 'offboard bot started');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing active jobs');
    await bot.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
