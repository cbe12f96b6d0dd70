import { spawn, type ChildProcess } from 'node:child_process';

export interface BotProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Kills it outright, as the OOM killer or a lost machine would: no shutdown, no cleanup. */
  kill9(): Promise<void>;
}

/** The bot as its own OS process (`app/main.ts`), configured from `env`, with `nodeOptions` for node itself (e.g. --cpu-prof). */
export function spawnBot(env: Record<string, string>, nodeOptions: string[] = []): BotProcess {
  const child = spawn(process.execPath, [...nodeOptions, '--import', 'tsx', 'app/main.ts'], {
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
