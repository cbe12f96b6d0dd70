import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, inject, it } from 'vitest';
import { startLocalStack } from '../../src/demo/local-stack.js';
import { SlackPlayer } from '../../src/demo/slack-player.js';
import { PEOPLE } from '../../src/demo/workspace.js';
import { createLogger } from '../../src/logger.js';
import { startOffboardBot } from '../../src/offboard-bot.js';
import { ACME_PRODUCTION, JANE_EMAIL } from '../../src/simulators/ibm-cloud/index.js';

describe('separate web and worker processes', () => {
  it('a web-only process enqueues and a worker-only process sharing its Redis does the revocation', async () => {
    const stack = await startLocalStack({ redisUrl: inject('redisUrl'), processBeforeResponse: true, env: { OFFBOARD_ROLE: 'web' } });
    const worker = await startOffboardBot({ ...stack.config, role: 'worker' }, { logger: createLogger('silent') });
    try {
      const player = new SlackPlayer(stack);
      const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'contract_end', successor: PEOPLE.taylor, ticket: 'HR-7' });
      await player.click(PEOPLE.riley, 'approve', id);

      expect(worker.port).toBeUndefined();
      const pdf = await player.evidence(id);
      const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true });
      expect(text).toContain('All steps verified');
      expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeUndefined();
    } finally {
      await worker.stop();
      await stack.stop();
    }
  });

  it('a web-only process runs no steps: without a worker the request stays approved and IBM Cloud is untouched', async () => {
    const stack = await startLocalStack({ redisUrl: inject('redisUrl'), processBeforeResponse: true, env: { OFFBOARD_ROLE: 'web' } });
    try {
      const player = new SlackPlayer(stack);
      // No worker, so no read-only preview either.
      const id = await player.request(PEOPLE.morgan, { person: PEOPLE.jane, reason: 'contract_end', successor: PEOPLE.taylor, ticket: 'HR-8' }, { awaitPreview: false });
      await player.click(PEOPLE.riley, 'approve', id);
      await new Promise((r) => setTimeout(r, 500));
      expect(stack.ibm.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
      expect(stack.ibm.userInAccount(ACME_PRODUCTION, JANE_EMAIL)).toBeDefined();
      expect(stack.slack.files).toHaveLength(0);
    } finally {
      await stack.stop();
    }
  });
});
