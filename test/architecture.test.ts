import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../jobs/systems.js';

const ROOT = resolve(import.meta.dirname, '..');
/** Above src/: the composition root (app/), the listeners (commands/) and the job definitions (jobs/) wire src/, never the other way. */
const ABOVE_SRC = ['app', 'commands', 'jobs'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/**
 * The files that may look at a trail record's event type. The read model folds the trail into what a
 * run is; the evidence timeline prints every event and the pack's exceptions list every exceptional
 * one, each in trail order, so both handle records one by one rather than ask where a run stands.
 */
const READS_EVENT_TYPES = ['src/runs/run-view.ts', 'src/evidence/pdf-timeline.ts', 'src/evidence/pack-exceptions.ts'];

/** Every event type the audit trail records, as src/audit/audit-event.ts declares them. */
const EVENT_TYPES = [...readFileSync(join(ROOT, 'src/audit/audit-event.ts'), 'utf8').matchAll(/\btype: '([a-z]+\.[a-z_.]+)'/g)].map((m) => m[1]!);

/** Where a text compares something with an event type: `x.type === 'run.planned'`, `'run.planned' !== x.type`, `case 'run.planned':`. */
function eventTypeTests(text: string): string[] {
  const names = EVENT_TYPES.map((t) => t.replace('.', '\\.')).join('|');
  const pattern = new RegExp(`(?:[!=]==\\s*['"\`](?:${names})['"\`])|(?:['"\`](?:${names})['"\`]\\s*[!=]==)|(?:\\bcase\\s+['"\`](?:${names})['"\`])`, 'g');
  return [...text.matchAll(pattern)].map((m) => m[0]);
}

/** Every module a file names, in order: static and type imports, re-exports, bare side-effect imports and dynamic import(). */
function importSpecifiers(text: string): string[] {
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns
    .flatMap((pattern) => [...text.matchAll(pattern)])
    .sort((a, b) => a.index - b.index)
    .map((m) => m[1]!);
}

/** The top-level folder a relative specifier lands in, from the importing file; undefined for packages. */
function topFolder(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return relative(ROOT, resolve(dirname(file), specifier)).split(/[\\/]/)[0];
}

describe('architecture', () => {
  it('no file under src/ imports from jobs/, commands/ or the composition root in app/', () => {
    const upward = sourceFiles(join(ROOT, 'src')).flatMap((file) =>
      importSpecifiers(readFileSync(file, 'utf8'))
        .filter((specifier) => ABOVE_SRC.includes(topFolder(file, specifier) ?? ''))
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    expect(upward).toEqual([]);
  });

  it('only the read model (and the evidence that prints events one by one) looks at the event types of trail records', () => {
    const scans = ['src', 'jobs', 'commands', 'app']
      .flatMap((dir) => sourceFiles(join(ROOT, dir)))
      .filter((file) => !READS_EVENT_TYPES.includes(relative(ROOT, file).split(/[\\/]/).join('/')))
      .flatMap((file) => eventTypeTests(readFileSync(file, 'utf8')).map((found) => `${relative(ROOT, file)}: ${found}`));
    expect(EVENT_TYPES).toContain('run.planned');
    expect(scans).toEqual([]);
  });

  it('the event type scan sees every form a comparison can take, and nothing else', () => {
    const text = [
      "if (e.type === 'run.planned') return;",
      "trail.findLast((x) => x.type !== 'step.failed');",
      "if ('report.published' === event.type) return;",
      '  case `identities.found`:',
      "if (i.type === 'user') return;",
      "if (body.type === 'view_submission') return;",
      "const name = 'run.planned';",
    ].join('\n');
    expect(eventTypeTests(text)).toEqual(["=== 'run.planned'", "!== 'step.failed'", "'report.published' ===", 'case `identities.found`']);
  });

  it('the scan sees every form an upward import can take', () => {
    const text = [
      "import { SYSTEMS } from '../../jobs/index.js';",
      "import type { CommandDeps } from '../../commands/deps.js';",
      "export { startWeb } from '../../app/web.js';",
      "import '../../jobs/side-effect.js';",
      "const workers = await import('../../jobs/workers.js');",
      "import { Queue } from 'bullmq';",
      "import { ids } from './blocks/ids.js';",
    ].join('\n');
    const file = join(ROOT, 'src', 'slack', 'example.ts');
    expect(importSpecifiers(text).map((s) => topFolder(file, s))).toEqual(['jobs', 'commands', 'app', 'jobs', 'jobs', undefined, 'src']);
  });
});

/** Where product code lives: src/, jobs/, commands/ and app/, but not the simulators and the demo, which build a world of named systems. */
function productFiles(): string[] {
  return ['src', 'jobs', 'commands', 'app']
    .flatMap((dir) => sourceFiles(join(ROOT, dir)))
    .map((file) => relative(ROOT, file).split(/[\\/]/).join('/'))
    .filter((file) => !file.startsWith('src/simulators/') && !file.startsWith('app/demo/'));
}

/** The one file besides a system's folder that names it. */
const REGISTRY = 'jobs/systems.ts';
/**
 * The bot lives in Slack, so every part of it says "Slack": a system named after it is known
 * outside its folder by its switch and its imports alone.
 */
const HOST = 'slack';

const asPattern = (term: string) => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a system is one folder and one registry line', () => {
  for (const system of SYSTEMS) {
    const folder = `src/connectors/${system.id}/`;
    const outside = productFiles().filter((file) => !file.startsWith(folder) && file !== REGISTRY);

    it(`no product file outside ${folder} and the registry names ${system.title}`, () => {
      const terms = [system.id, system.title, system.switchedOnBy].filter((term) => term.toLowerCase() !== HOST);
      const pattern = new RegExp(terms.map(asPattern).join('|'), 'i');
      const naming = outside.flatMap((file) =>
        readFileSync(join(ROOT, file), 'utf8')
          .split('\n')
          .flatMap((line, i) => (pattern.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
      );
      expect(naming).toEqual([]);
    });

    it(`no product file outside ${folder} and the registry imports from it`, () => {
      const importing = outside.flatMap((file) =>
        importSpecifiers(readFileSync(join(ROOT, file), 'utf8'))
          .filter(
            (specifier) =>
              specifier.startsWith('.') &&
              `${relative(ROOT, resolve(dirname(join(ROOT, file)), specifier))
                .split(/[\\/]/)
                .join('/')}`.startsWith(folder),
          )
          .map((specifier) => `${file} imports ${specifier}`),
      );
      expect(importing).toEqual([]);
    });
  }
});
