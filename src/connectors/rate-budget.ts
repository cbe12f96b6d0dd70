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

/**
 * The same over two keys at once, for a read-back: the budget's own and the read-backs' share of it
 * (ARGV[4], ARGV[5]: that share's interval and burst). The call goes when both have a slot; when
 * either is too far out, neither is taken.
 */
const RESERVE_BOTH = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function slot(key, interval, burst)
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local wait = tat - burst - now
  if wait < 0 then wait = 0 end
  return tat, wait
end
local tat1, wait1 = slot(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
local tat2, wait2 = slot(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]))
local wait = math.max(wait1, wait2)
if wait > tonumber(ARGV[3]) then return -wait end
-- The call goes at the later of the two slots: each budget counts it from then.
local at = now + wait
if tat1 < at then tat1 = at end
if tat2 < at then tat2 = at end
redis.call('SET', KEYS[1], tat1 + tonumber(ARGV[1]), 'PX', math.ceil(tat1 + tonumber(ARGV[1]) - now) + 1000)
redis.call('SET', KEYS[2], tat2 + tonumber(ARGV[4]), 'PX', math.ceil(tat2 + tonumber(ARGV[4]) - now) + 1000)
return wait
`);

/** What a call is for: an action (inventory, change) or a read-back confirming a change. */
export type CallKind = 'action' | 'read-back';

export interface RateBudgetOptions {
  /** The system whose budget it is, as messages name it: its title. */
  system: string;
  /** Calls per second per key. */
  rps: number;
  /** Longest a call waits for its slot in place; beyond it the caller is told to come back. */
  maxWaitMs: number;
  /**
   * The share of `rps` read-backs may take at most (0 to 1; default 1, no limit of their own): when
   * actions and read-backs wait together, read-backs never take more, and actions keep the rest.
   */
  readBackShare?: number;
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
    const share = opts.readBackShare ?? 1;
    this.readBackInterval = share < 1 ? 1000 / (opts.rps * share) : undefined;
  }

  private readonly readBackInterval: number | undefined;

  /** Resolves when the call may go; throws RateLimitedError when its slot is too far out. */
  async take(name: string, kind: CallKind = 'action'): Promise<void> {
    const key = this.keyOf(name);
    const share = kind === 'read-back' ? this.readBackInterval : undefined;
    const wait = Number(
      share === undefined
        ? await RESERVE.run(this.redis, [key], [this.interval, this.burst, this.opts.maxWaitMs])
        : await RESERVE_BOTH.run(this.redis, [key, `${key}:read-backs`], [this.interval, this.burst, this.opts.maxWaitMs, share, Math.max(0, 1000 - share)]),
    );
    if (wait < 0) throw new RateLimitedError(`the ${this.opts.system} request budget of ${name} is used up for now`, -wait);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
