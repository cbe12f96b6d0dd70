import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { startLocalStack } from '../../app/demo/local-stack.js';
import { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { Keys } from '../../src/redis.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';

describe('graceful shutdown of the web part', () => {
  it('a stop right after an Approve click is answered waits for the approval to be recorded and its run started', async () => {
    const redisUrl = inject('redisUrl');
    const stack = await startLocalStack({ redisUrl });
    const redis = new Redis(redisUrl);
    try {
      const player = new SlackPlayer(stack);
      const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-STOP' });
      const message = player.approvalMessage(id)!;
      // The click's own check of the approvers is slow: the listener is still at work after its answer.
      stack.slack.delay('usergroups.users.list', 1_000);
      // As between two clicks in real life, the bot's last reading of the approvers (3 s) has expired.
      const lastRead = Math.max(0, ...stack.slack.callsTo('usergroups.users.list').map((c) => c.at));
      await new Promise((r) => setTimeout(r, Math.max(0, lastRead + 3_050 - Date.now())));

      const answer = await stack.events.blockAction({
        userId: PEOPLE.alex,
        actionId: ACTIONS.approve,
        blockId: `decide.${id}`,
        value: id,
        channel: APPROVAL_CHANNEL,
        messageTs: message.ts,
      });
      expect(answer.status).toBe(200);
      const trail = new AuditTrail(redis, new Keys(stack.config.redisPrefix));
      expect((await trail.read(id)).filter((e) => e.type === 'request.approved')).toEqual([]);
      await stack.bot.stop();

      expect((await trail.read(id)).filter((e) => e.type === 'request.approved')).toEqual([expect.objectContaining({ actor: PEOPLE.alex })]);
      expect(await redis.keys(`${stack.config.redisPrefix}:*${id}.identify*`)).not.toEqual([]);
    } finally {
      await stack.stop();
      await redis.quit();
    }
  });
});
