import type { SystemDeclaration } from '../connectors/system-kinds.js';
import type { Person } from '../connectors/system.js';
import type { SlackSimulator, SlackSimulatorOptions } from './slack/index.js';

/**
 * How the demo and the tests switch one system on against its simulator: what
 * `src/simulators/<system id>/kit.ts` exports as `kit`, found by the registered system's id
 * (`kitOf`). Nothing here is product code: only the demo, the tests and the benches use it.
 */
export interface SimulatorKit<Sim = unknown, Options = unknown> {
  /** What the system needs of the simulated Slack workspace the bot lives in, when it is simulated inside it. */
  workspace?(options: Options | undefined): Partial<SlackSimulatorOptions>;
  /**
   * The simulator, seeded with the demo's world (or as `options` say), and the variables that
   * switch the system on against it.
   */
  start(options: Options | undefined, host: KitHost): Promise<StartedSimulator<Sim>>;
  /** The simulator seeded with one person to offboard, as the conformance suite drives every registered system. */
  conformance(options?: ConformanceOptions): Promise<SystemOnTrial>;
}

export interface KitHost {
  /** The simulated Slack workspace the bot lives in. */
  workspace: SlackSimulator;
}

export interface StartedSimulator<Sim> {
  simulator: Sim;
  /** The variables that switch the system on against this simulator. */
  env: Record<string, string>;
  /** A declared system's entry in the systems file, pointing at this simulator (its URL is known only once it runs). */
  declaration?: SystemDeclaration;
  close(): Promise<void>;
}

export interface ConformanceOptions {
  /** One of the person's items (an API key, the account itself) is disabled before the offboarding. */
  alreadyDisabled?: boolean;
  /** Every listing is served in the smallest pages, with the person's items past the first one. */
  smallPages?: boolean;
  /** Other people whose identity is near the person's (a prefix or suffix more, or a part of it) are in the system too. */
  nearMisses?: boolean;
}

/** A system's simulator with one person seeded in it, and what the suite needs to see inside it. */
export interface SystemOnTrial {
  /** The variables that switch the system on against this simulator. */
  env: Record<string, string>;
  /** A declared system's entry in the systems file, pointing at this simulator: its module is built from it. */
  declaration?: SystemDeclaration;
  person: Person;
  /**
   * Makes every call that is not a sign-in answer `status` (with Retry-After for a 429) until
   * `heal`: a step may ask in parallel, and one failed answer must not leave a fault for the next.
   */
  fail(status: 403 | 429 | 500 | 503, retryAfterSeconds?: number): void;
  heal(): void;
  /** With `alreadyDisabled`: the id of the person's item that was disabled before the offboarding. */
  disabledBefore?: string;
  /** Whether the system shows that item disabled now. */
  isDisabled(id: string): boolean;
  /**
   * What people decide before a step may act, done through the connected system's client (an
   * approver's review of which SSH keys are the person's); absent: nothing to decide.
   */
  prepare?(client: unknown): Promise<void>;
  /** How many calls so far changed something in the system (a refused or "not found" call changed nothing). */
  mutations(): number;
  /** With `nearMisses`: the ids (as the identification names them) of the other people near the person's identity; never found. */
  nearMisses?: string[];
  /** The id of the person's own record whose identity differs only in letter case, where the system matches regardless of case. */
  otherCase?: string;
  close(): Promise<void>;
}

/**
 * The kit of a registered system, by its id: `src/simulators/<id>/kit.ts`. Imported by its `.ts`
 * name, which tsx and vitest load and which lets esbuild find every kit for the built demo
 * (scripts/bundle.mjs): a `.js` name matches no file under src/.
 */
export async function kitOf(systemId: string): Promise<SimulatorKit> {
  if (!/^[a-z0-9-]+$/.test(systemId)) throw new Error(`not a system id: ${systemId}`);
  let found: { kit?: SimulatorKit };
  try {
    found = await import(/* @vite-ignore */ `./${systemId}/kit.ts`);
  } catch (err) {
    throw new Error(`no simulator kit for ${systemId}: add src/simulators/${systemId}/kit.ts (${(err as Error).message})`);
  }
  if (!found.kit) throw new Error(`src/simulators/${systemId}/kit.ts exports no \`kit\``);
  return found.kit;
}

/**
 * The kit of a system declared in the systems file, by its kind: `src/simulators/<kind>/kit.ts`
 * exports `declaredKit`, which serves any system of that kind given its entry (its URL aside).
 */
export async function kitOfDeclared(declaration: SystemDeclaration): Promise<SimulatorKit> {
  if (!/^[a-z0-9-]+$/.test(declaration.kind)) throw new Error(`not a kind of system: ${declaration.kind}`);
  let found: { declaredKit?: (declaration: SystemDeclaration) => SimulatorKit };
  try {
    found = await import(/* @vite-ignore */ `./${declaration.kind}/kit.ts`);
  } catch (err) {
    throw new Error(`no simulator kit for kind ${declaration.kind}: add src/simulators/${declaration.kind}/kit.ts (${(err as Error).message})`);
  }
  if (!found.declaredKit) throw new Error(`src/simulators/${declaration.kind}/kit.ts exports no \`declaredKit\``);
  return found.declaredKit(declaration);
}
