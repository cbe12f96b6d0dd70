import { afterEach, inject } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../app/demo/local-stack.js';
import { SlackPlayer } from '../../app/demo/slack-player.js';

/**
 * A fresh bot + simulated Slack + simulated IBM Cloud per test, on the shared test Redis under
 * its own key prefix. As in production, Slack hears back at each listener's `ack()` and the listener
 * goes on after: the player waits for the bot to settle after each step, and a test that sends
 * through `stack.events` awaits `stack.bot.settled()` before asserting on what the listener did.
 */
export function useStack() {
  const started: LocalStack[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });
  /** `redisUrl`: default the shared test Redis (a test may reach it through a proxy of its own). */
  return async ({ redisUrl, ...opts }: Omit<LocalStackOptions, 'redisUrl'> & { redisUrl?: string } = {}) => {
    const stack = await startLocalStack({ redisUrl: redisUrl ?? inject('redisUrl'), ...opts });
    started.push(stack);
    return { stack, player: new SlackPlayer(stack) };
  };
}
