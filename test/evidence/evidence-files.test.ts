import { mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PEOPLE } from '../../app/demo/workspace.js';
import { useStack } from '../support/stack.js';

const start = useStack();
const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('evidence written to OFFBOARD_EVIDENCE_DIR', () => {
  it('is readable by the bot user only: files 0600 in a 0700 directory, whatever the umask and whatever was there before', async () => {
    const root = await mkdtemp(join(tmpdir(), 'evidence-'));
    const dir = join(root, 'packs');
    // A directory and a file left readable by everyone, as a permissive umask makes them.
    await mkdir(dir, { mode: 0o755 });
    const { stack, player } = await start({ env: { OFFBOARD_EVIDENCE_DIR: dir } });
    const id = await player.request(PEOPLE.morgan, {
      person: PEOPLE.jane,
      reason: 'resignation',
      successor: PEOPLE.taylor,
      ticket: 'HR-7',
      disposition: 'delete_now',
    });
    await writeFile(join(dir, `offboarding-evidence-${id}.json`), 'stale', { mode: 0o644 });
    const previous = process.umask(0o000);
    try {
      await player.click(PEOPLE.alex, 'approve', id);
      await player.evidence(id);
      await stack.slack.waitFor(() => JSON.stringify(player.checklist(id)?.blocks).includes('Evidence report') || undefined);
    } finally {
      process.umask(previous);
    }

    const files = (await readdir(dir)).filter((f) => f.includes(id)).sort();
    expect(files).toEqual([`offboarding-evidence-${id}.json`, `offboarding-evidence-${id}.pdf`]);
    expect(await mode(dir)).toBe(0o700);
    for (const f of files) expect(await mode(join(dir, f)), f).toBe(0o600);
  });
});
