import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { productionStart } from '../support/bot-process.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

/**
 * `npm start` says how production starts node (its environment and flags are memory settings:
 * docs/operations.md, Processes and machines); the container and the systemd unit must start it the
 * same way, and the benches that measure memory start it from there.
 */
describe('how the service is started', () => {
  it("starts node with 4 MiB semi-spaces, not V8's 16, no baseline compiler, and two malloc arenas, not glibc's eight per core", () => {
    const { env, flags } = productionStart();
    expect(flags).toContain('--max-semi-space-size=4');
    expect(flags).toContain('--no-sparkplug');
    expect(env).toEqual({ MALLOC_ARENA_MAX: '2' });
  });

  it("starts the container's node with the environment and flags of npm start", () => {
    const { env, flags } = productionStart();
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(JSON.parse(cmd!)).toEqual(['node', ...flags, 'dist/app/main.js']);
    const dockerEnv = Object.fromEntries(
      [...read('Dockerfile').matchAll(/^ENV (.*)$/gm)].flatMap((m) => m[1]!.split(/\s+/).map((a) => a.split('=', 2) as [string, string])),
    );
    expect(dockerEnv).toMatchObject(env);
  });

  it("starts the systemd unit's node with the environment and flags of npm start", () => {
    const { env, flags } = productionStart();
    const unit = read('docs/operations.md');
    expect(/^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(' ')).toEqual(['/usr/bin/node', ...flags, 'dist/app/main.js']);
    for (const [name, value] of Object.entries(env)) expect(unit).toMatch(new RegExp(`^Environment=.*\\b${name}=${value}\\b`, 'm'));
  });
});
