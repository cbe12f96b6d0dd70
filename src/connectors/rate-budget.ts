import type { Redis } from 'ioredis';
import { LuaScript } from '../redis-script.js';
import { RateLimitedError } from './step-errors.js';

/**
 * GCRA over Redis: each call reserves the next free slot of its key (one account, say), spaced
 * 1/rps apart with up to a second's worth of burst, so every worker process on the Redis shares
 * one budget. Redis's clock decides, not the workers'. A call further out than `maxWaitMs` takes
 * nothing and is told when to come back.
 */
const RESERVE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - burst - now
if wait < 0 then wait = 0 end
if wait > tonumber(ARGV[3]) then return -wait end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now) + 1000)
return wait
`);

export interface RateBudgetOptions {
  /** The system whose budget it is, as messages name it: its title. */
  system: string;
  /** Calls per second per key. */
  rps: number;
  /** Longest a call waits for its slot in place; beyond it the caller is told to come back. */
  maxWaitMs: number;
}

export class RateBudget {
  private readonly interval: number;
  private readonly burst: number;

  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (name: string) => string,
    private readonly opts: RateBudgetOptions,
  ) {
    this.interval = 1000 / opts.rps;
    this.burst = Math.max(0, 1000 - this.interval);
  }

  /** Resolves when the call may go; throws RateLimitedError when its slot is too far out. */
  async take(name: string): Promise<void> {
    const wait = Number(await RESERVE.run(this.redis, [this.keyOf(name)], [this.interval, this.burst, this.opts.maxWaitMs]));
    if (wait < 0) throw new RateLimitedError(`the ${this.opts.system} request budget of ${name} is used up for now`, -wait);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
