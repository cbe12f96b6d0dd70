import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface BotProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Kills it outright, as the OOM killer or a lost machine would: no shutdown, no cleanup. */
  kill9(): Promise<void>;
}

/**
 * The node flags production starts the bot with: those of `npm start` (`node <flags>
 * dist/app/main.js`), which the Dockerfile's CMD and docs/operations.md's unit repeat
 * (test/process/start-command.test.ts holds them to it).
 */
export function productionNodeFlags(): string[] {
  const start: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts.start;
  const flags = /^node\s+(.*?)\s*dist\/app\/main\.js$/.exec(start);
  if (!flags) throw new Error(`npm start is not "node <flags> dist/app/main.js": ${start}`);
  return flags[1]!.split(/\s+/).filter(Boolean);
}

/**
 * The bot as its own OS process, configured from `env`, with `nodeOptions` for node itself (e.g.
 * --cpu-prof): from the sources (`app/main.ts` under tsx) by default, or `compiled`, as production
 * runs it (`node <the flags of npm start> dist/app/main.js`, after `npm run build`).
 */
export function spawnBot(env: Record<string, string>, nodeOptions: string[] = [], { compiled = false } = {}): BotProcess {
  const entry = compiled ? [...productionNodeFlags(), 'dist/app/main.js'] : ['--import', 'tsx', 'app/main.ts'];
  const child = spawn(process.execPath, [...nodeOptions, ...entry], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child,
    output: () => out,
    exited,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
