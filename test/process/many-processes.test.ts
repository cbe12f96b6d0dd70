import { describe, expect, inject, it } from 'vitest';
import { SIM_SIGNING_SECRET, startLocalStack } from '../../app/demo/local-stack.js';
import { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { createLogger } from '../../src/logger.js';
import { startOffboardBot, type OffboardBot } from '../../app/offboard-bot.js';
import { SlackEventsClient } from '../../src/simulators/slack/index.js';
import { ACTIONS } from '../../src/slack/blocks/ids.js';
import { EVENTS_PATH } from '../../src/slack/slack-server.js';
import { eventsOf, finishedTrail, queueSnapshot, readTrail } from '../support/approval-helpers.js';

describe('two web and two worker processes on one Redis', () => {
  it('each decision starts one run, whichever web process the clicks reach and however many arrive at once', async () => {
    const stack = await startLocalStack({ redisUrl: inject('redisUrl'), env: { OFFBOARD_ROLE: 'web' } });
    const others: OffboardBot[] = [];
    try {
      const logger = createLogger('silent');
      const secondWeb = await startOffboardBot({ ...stack.config, role: 'web', port: 0 }, { logger });
      others.push(secondWeb);
      for (let i = 0; i < 2; i++) others.push(await startOffboardBot({ ...stack.config, role: 'worker' }, { logger }));
      const player = new SlackPlayer(stack);
      const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-2x2' });

      const viaSecond = new SlackEventsClient({
        url: `http://127.0.0.1:${secondWeb.port}${EVENTS_PATH}`,
        signingSecret: SIM_SIGNING_SECRET,
        simulator: stack.slack,
      });
      const message = player.approvalMessage(id)!;
      const click = (client: SlackEventsClient, userId: string) =>
        client.blockAction({ userId, actionId: ACTIONS.approve, blockId: `decide.${id}`, value: id, channel: APPROVAL_CHANNEL, messageTs: message.ts });
      const answers = await Promise.all([
        click(stack.events, PEOPLE.alex),
        click(viaSecond, PEOPLE.alex),
        click(stack.events, PEOPLE.riley),
        click(viaSecond, PEOPLE.riley),
      ]);
      for (const a of answers) expect(a.status).toBe(200);
      await Promise.all([stack.bot.settled(), secondWeb.settled()]);

      const trail = await finishedTrail(stack, id, { timeoutMs: 20_000 });
      expect(eventsOf(trail, 'request.approved')).toHaveLength(1);
      expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
      const steps = eventsOf(trail, 'run.planned')[0]!.steps.length;
      // One job per step, one finding the person first and one finishing the run, each run once.
      expect(eventsOf(trail, 'step.started')).toHaveLength(steps);
      const snapshot = await queueSnapshot(stack);
      // ... and the four re-scans scheduled once the deletion finished.
      expect(snapshot.jobIds.filter((j) => j.startsWith(id) && !j.includes('.rescan.'))).toHaveLength(steps + 2);
      expect(snapshot.jobIds.filter((j) => j.startsWith(`${id}.rescan.delete.`))).toHaveLength(4);
      await player.evidence(id);
      await new Promise((r) => setTimeout(r, 300));
      expect(stack.slack.files.filter((f) => f.filename.includes(id) && f.filename.endsWith('.pdf'))).toHaveLength(1);
    } finally {
      for (const bot of others) await bot.stop();
      await stack.stop();
    }
  });

  it("a privileged person's approvals, arriving at both web processes at once, count each approver once and approve once", async () => {
    const stack = await startLocalStack({ redisUrl: inject('redisUrl'), processBeforeResponse: true });
    const others: OffboardBot[] = [];
    try {
      const secondWeb = await startOffboardBot({ ...stack.config, role: 'web', port: 0 }, { logger: createLogger('silent'), processBeforeResponse: true });
      others.push(secondWeb);
      const player = new SlackPlayer(stack);
      // Riley is an approver: two others must approve.
      const id = await player.request(PEOPLE.chris, { person: PEOPLE.riley, reason: 'resignation', successor: PEOPLE.taylor, ticket: 'HR-2W' });
      const viaSecond = new SlackEventsClient({
        url: `http://127.0.0.1:${secondWeb.port}${EVENTS_PATH}`,
        signingSecret: SIM_SIGNING_SECRET,
        simulator: stack.slack,
      });
      const message = player.approvalMessage(id)!;
      const click = (client: SlackEventsClient, userId: string) =>
        client.blockAction({ userId, actionId: ACTIONS.approve, blockId: `decide.${id}`, value: id, channel: APPROVAL_CHANNEL, messageTs: message.ts });

      // The same approver on both processes at once: one approval, nothing decided.
      await Promise.all([click(stack.events, PEOPLE.alex), click(viaSecond, PEOPLE.alex)]);
      const afterOne = await readTrail(stack, id);
      expect(eventsOf(afterOne, 'approval.recorded').map((e) => e.actor)).toEqual([PEOPLE.alex]);
      expect(eventsOf(afterOne, 'request.approved')).toEqual([]);

      await Promise.all([click(stack.events, PEOPLE.morgan), click(viaSecond, PEOPLE.morgan), click(viaSecond, PEOPLE.alex)]);
      const trail = await finishedTrail(stack, id, { timeoutMs: 20_000 });
      expect(eventsOf(trail, 'request.approved')).toEqual([expect.objectContaining({ approvedBy: [PEOPLE.alex, PEOPLE.morgan].sort() })]);
      expect(eventsOf(trail, 'run.planned')).toHaveLength(1);
    } finally {
      for (const bot of others) await bot.stop();
      await stack.stop();
    }
  });
});
