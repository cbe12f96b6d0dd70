import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which build made a pack, so an auditor can tell packs of different versions apart. */
export interface Generator {
  name: string;
  version: string;
  /** The git commit of the running code; `OFFBOARD_GIT_COMMIT` where the image has no .git. */
  commit: string;
}

/** The folder of package.json (and .git), above src/ when the sources run, above dist/app/ when the bundle does. */
const ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

function packageRoot(dir: string): string {
  const up = dirname(dir);
  return existsSync(join(dir, 'package.json')) || up === dir ? dir : packageRoot(up);
}

let cached: Generator | undefined;

export function generatorInfo(): Generator {
  cached ??= (() => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    return { name: pkg.name, version: pkg.version, commit: process.env.OFFBOARD_GIT_COMMIT ?? gitCommit() ?? 'unknown' };
  })();
  return cached;
}

function gitCommit(): string | undefined {
  try {
    const head = readFileSync(join(ROOT, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    try {
      return readFileSync(join(ROOT, '.git', ref), 'utf8').trim();
    } catch {
      const packed = readFileSync(join(ROOT, '.git', 'packed-refs'), 'utf8');
      return packed
        .split('\n')
        .find((l) => l.endsWith(` ${ref}`))
        ?.split(' ')[0];
    }
  } catch {
    return undefined;
  }
}
