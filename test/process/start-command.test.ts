import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { productionNodeFlags } from '../support/bot-process.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

/**
 * `npm start` says how production starts node (its flags are memory settings: docs/operations.md,
 * Processes and machines); the container and the systemd unit must start it the same way, and the
 * benches that measure memory start it from there.
 */
describe('how the service is started', () => {
  it("starts node with a young generation of 4 MiB semi-spaces, not V8's 16", () => {
    expect(productionNodeFlags()).toContain('--max-semi-space-size=4');
  });

  it("starts the container's node with the flags of npm start", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(JSON.parse(cmd!)).toEqual(['node', ...productionNodeFlags(), 'dist/app/main.js']);
  });

  it("starts the systemd unit's node with the flags of npm start", () => {
    const exec = /^ExecStart=(.*)$/m.exec(read('docs/operations.md'))?.[1];
    expect(exec?.split(' ')).toEqual(['/usr/bin/node', ...productionNodeFlags(), 'dist/app/main.js']);
  });
});
