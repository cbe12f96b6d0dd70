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
 * How production starts node: the environment and flags of `npm start` (`[VAR=value …] node
 * <flags> dist/app/main.js`), which the Dockerfile and docs/operations.md's unit repeat
 * (test/process/start-command.test.ts holds them to it).
 */
export function productionStart(): { env: Record<string, string>; flags: string[] } {
  const start: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts.start;
  const parts = /^((?:\w+=\S+\s+)*)node\s+(.*?)\s*dist\/app\/main\.js$/.exec(start);
  if (!parts) throw new Error(`npm start is not "[VAR=value …] node <flags> dist/app/main.js": ${start}`);
  const words = (text: string) => text.split(/\s+/).filter(Boolean);
  return {
    env: Object.fromEntries(words(parts[1]!).map((assignment) => assignment.split('=', 2) as [string, string])),
    flags: words(parts[2]!),
  };
}

/**
 * The bot as its own OS process, configured from `env`, with `nodeOptions` for node itself (e.g.
 * --cpu-prof): from the sources (`app/main.ts` under tsx) by default, or `compiled`, as production
 * runs it (`npm start`'s environment and node flags, `dist/app/main.js`, after `npm run build`).
 */
export function spawnBot(env: Record<string, string>, nodeOptions: string[] = [], { compiled = false } = {}): BotProcess {
  const production = compiled ? productionStart() : { env: {}, flags: [] };
  // npm start's flags first: V8 takes the last of a flag given twice, so `nodeOptions` can override them.
  const args = compiled ? [...production.flags, ...nodeOptions, 'dist/app/main.js'] : [...nodeOptions, '--import', 'tsx', 'app/main.ts'];
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...production.env, ...env },
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
