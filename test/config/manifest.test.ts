import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MANIFEST_BOT_SCOPES } from '../../src/simulators/slack/index.js';
import { BOT_SCOPES } from '../../src/slack/bot-scopes.js';

/** The bot scopes under `oauth_config.scopes.bot` in manifest.yml, in order. */
function manifestBotScopes(): string[] {
  const lines = readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8').split('\n');
  const start = lines.findIndex((l) => /^\s+bot:\s*$/.test(l));
  const indent = /^(\s*)/.exec(lines[start + 1]!)![1]!;
  const scopes: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const item = new RegExp(`^${indent}- ([a-z:.]+)`).exec(line);
    if (!item) break;
    scopes.push(item[1]!);
  }
  return scopes;
}

describe('the Slack app manifest', () => {
  it('asks for exactly the bot scopes the start-up check knows, and the simulator grants those by default', () => {
    const manifest = manifestBotScopes();
    expect(manifest.length).toBeGreaterThan(5);
    expect([...manifest].sort()).toEqual([...BOT_SCOPES].sort());
    expect([...MANIFEST_BOT_SCOPES].sort()).toEqual([...manifest].sort());
  });
});
