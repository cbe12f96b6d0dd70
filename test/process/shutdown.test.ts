import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { startLocalStack } from '../../src/demo/local-stack.js';
import { SlackPlayer } from '../../src/demo/slack-player.js';
import { PEOPLE } from '../../src/demo/workspace.js';
import { Keys } from '../../src/redis.js';

describe('graceful shutdown', () => {
  it('lets a step that is verifying finish before the bot stops, so nothing is left half-done', async () => {
    const redisUrl = inject('redisUrl');
    const stack = await startLocalStack({ redisUrl, processBeforeResponse: true, ibm: { consistencyDelayMs: 800 } });
    const redis = new Redis(redisUrl);
    const trail = new AuditTrail(redis, new Keys(stack.config.redisPrefix));
    try {
      const player = new SlackPlayer(stack);
      const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-5' });
      await player.click(PEOPLE.alex, 'approve', id);
      // Wait until some step has acted and is waiting for IAM to show the change.
      const deadline = Date.now() + 10_000;
      while (!(await trail.read(id)).some((e) => e.type === 'step.acted')) {
        if (Date.now() > deadline) throw new Error('no step acted');
        await new Promise((r) => setTimeout(r, 20));
      }
      await stack.bot.stop();

      const events = await trail.read(id);
      const acted = events.filter((e) => e.type === 'step.acted').map((e) => ('stepId' in e ? e.stepId : ''));
      const closed = new Set(events.filter((e) => e.type === 'step.verified' || e.type === 'step.failed').map((e) => ('stepId' in e ? e.stepId : '')));
      expect(acted.length).toBeGreaterThan(0);
      for (const step of acted) expect(closed.has(step)).toBe(true);
    } finally {
      redis.disconnect();
      await Promise.all([stack.slack.close(), stack.ibm.close()]);
    }
  });
});
