import { describe, expect, it } from 'vitest';
import type { HandedOverItem } from '../../src/runs/handed-over.js';
import { blocksText, MESSAGE_BLOCKS, MESSAGE_BLOCKS_TEXT } from '../../src/slack/blocks/block-kit.js';
import { handoverMessage } from '../../src/slack/blocks/handover-message.js';

const request = { id: 'OFF-ABC123', subject: { name: 'Jane <!channel> Doe' }, requester: { slackUserId: 'U0MORGAN1' } };
const item = (n: number, extra: Partial<HandedOverItem> = {}): HandedOverItem => ({
  where: 'IBM Cloud account a1b2c3d4e5f60718293a4b5c6d7e8f90',
  label: `ci-key-${n} (service ID ci-pipeline)`,
  id: `ApiKey-${n}`,
  useCount: n,
  lastUsed: '2025-01-14T07:59:00.000Z',
  link: `https://cloud.ibm.com/iam/serviceids/ServiceId-${n}?bss_account=a1b2c3d4e5f60718293a4b5c6d7e8f90`,
  ...extra,
});

describe('the hand-over message', () => {
  it('escapes every outside string, the console address included, and puts none inside link markup', () => {
    const message = handoverMessage(request, [
      item(1, { label: 'evil <!here> | <@U0ALEX001> & co', id: 'ApiKey-<b>', link: 'https://cloud.ibm.com/x?a=1&b=<2>|3' }),
    ]);
    const shown = JSON.stringify(message.blocks) + message.text;
    expect(shown).not.toContain('<!channel>');
    expect(shown).not.toContain('<!here>');
    expect(shown).not.toContain('<@U0ALEX001>');
    expect(shown).toContain('Jane &lt;!channel&gt; Doe');
    expect(shown).toContain('*evil &lt;!here&gt; | &lt;@U0ALEX001&gt; &amp; co*');
    expect(shown).toContain('https://cloud.ibm.com/x?a=1&amp;b=&lt;2&gt;|3');
    expect(shown).not.toContain('<https://');
    expect(shown).toContain('`ApiKey-&lt;b&gt;`');
  });

  it('says when an item has no recorded use, and when a counted key was never used', () => {
    const shown = JSON.stringify(
      handoverMessage(request, [item(1, { useCount: undefined, lastUsed: undefined }), item(2, { useCount: 0, lastUsed: undefined })]).blocks,
    );
    expect(shown).toContain('no use recorded');
    expect(shown).toContain('used 0 times, never');
  });

  it('stays within what Slack accepts for 1,000 items, counting the ones it could not list', () => {
    const items = Array.from({ length: 1000 }, (_, n) => item(n));
    const message = handoverMessage(request, items);
    expect(message.blocks.length).toBeLessThanOrEqual(MESSAGE_BLOCKS);
    expect(blocksText(message.blocks)).toBeLessThanOrEqual(MESSAGE_BLOCKS_TEXT);
    const shown = JSON.stringify(message.blocks);
    expect(shown).toMatch(/…and \d+ more \(1000 in all\): the request's evidence pack lists each one\./);
    expect(message.text).toContain('1000 item(s)');
  });
});
