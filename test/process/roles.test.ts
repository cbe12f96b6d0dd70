import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, inject, it } from 'vitest';
import { PACK_VERIFIED_BUT_ONE } from '../support/approval-helpers.js';
import { startLocalStack } from '../../app/demo/local-stack.js';
import { SlackPlayer } from '../../app/demo/slack-player.js';
import { APPROVAL_CHANNEL, PEOPLE } from '../../app/demo/workspace.js';
import { createLogger } from '../../src/logger.js';
import { startOffboardBot } from '../../app/offboard-bot.js';
import { ACME_PRODUCTION, JANE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';

describe('separate web and worker processes', () => {
  it('a web-only process enqueues and a worker-only process sharing its Redis does the revocation', async () => {
    const stack = await startLocalStack({ redisUrl: inject('redisUrl'), env: { OFFBOARD_ROLE: 'web' } });
    const worker = await startOffboardBot({ ...stack.config, role: 'worker' }, { logger: createLogger('silent') });
    try {
      const player = new SlackPlayer(stack);
      const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'contract_end', successor: PEOPLE.taylor, ticket: 'HR-7' });
      await player.click(PEOPLE.riley, 'approve', id);

      expect(worker.port).toBeUndefined();
      const pdf = await player.evidence(id);
      const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true });
      expect(text).toContain(PACK_VERIFIED_BUT_ONE);
      expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeUndefined();
    } finally {
      await worker.stop();
      await stack.stop();
    }
  });

  it('a web-only process runs no jobs: without a worker nothing is posted and IBM Cloud is untouched; a worker started later does it all', async () => {
    const stack = await startLocalStack({ redisUrl: inject('redisUrl'), env: { OFFBOARD_ROLE: 'web' } });
    let worker: Awaited<ReturnType<typeof startOffboardBot>> | undefined;
    try {
      const player = new SlackPlayer(stack);
      const answer = await player.submitForm(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'contract_end', successor: PEOPLE.taylor, ticket: 'HR-8' });
      expect(answer.status).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      // Everything Slack is told goes through the queue; the web process only acknowledges and enqueues.
      expect(stack.slack.messages(APPROVAL_CHANNEL)).toHaveLength(0);
      expect(stack.ibm.requests).toHaveLength(0);

      worker = await startOffboardBot({ ...stack.config, role: 'worker' }, { logger: createLogger('silent') });
      // The queued approval message and the read-only preview are picked up; nothing is revoked before approval.
      const posted = await stack.slack.waitFor(
        () => {
          const m = stack.slack.messages(APPROVAL_CHANNEL)[0];
          return m && !JSON.stringify(m.blocks).includes('Checking what they hold') ? m : undefined;
        },
        { timeoutMs: 15_000 },
      );
      expect(posted.text).toMatch(/OFF-[0-9A-Z]{6}/);
      expect(stack.slack.messages(APPROVAL_CHANNEL)).toHaveLength(1);
      expect(stack.ibm.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    } finally {
      await worker?.stop();
      await stack.stop();
    }
  });
});
