import { afterEach, inject } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/demo/local-stack.js';
import { SlackPlayer } from '../../src/demo/slack-player.js';

/**
 * A fresh bot + simulated Slack + simulated IBM Cloud per test, on the shared test Redis under
 * its own key prefix. Listeners answer after they finish, so a test can assert right after a click.
 */
export function useStack() {
  const started: LocalStack[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });
  return async (opts: Omit<LocalStackOptions, 'redisUrl'> = {}) => {
    const stack = await startLocalStack({ redisUrl: inject('redisUrl'), processBeforeResponse: true, ...opts });
    started.push(stack);
    return { stack, player: new SlackPlayer(stack) };
  };
}
