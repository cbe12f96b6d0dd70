import type { Redis } from 'ioredis';
import { LuaScript } from '../redis-script.js';
import { RateLimitedError } from './step-errors.js';

/**
 * GCRA over Redis: each call reserves the next free slot of its key (one account, say), spaced
 * 1/rps apart with up to a second's worth of burst, so every worker process on the Redis shares
 * one budget. Redis's clock decides, not the workers'. A call further out than `maxWaitMs` takes
 * nothing and is told when to come back.
 *
 * With a read-back share (ARGV[4], ARGV[5]: its interval and burst; KEYS[2] its slots, KEYS[3] the
 * mark of actions waiting, ARGV[6] 1 for a read-back): an action that has to wait for its slot, or
 * is told to come back, leaves the mark for a second after its slot; a read-back made while actions
 * are marked needs a slot of the share as well (both taken, or neither), so read-backs never take
 * more than their share while actions wait. With no action waiting, a read-back takes the budget's
 * slots alone: nothing waits that it would hold back, and a trickle of actions that find their
 * slots free does not keep read-backs from the rest of the budget.
 */
const RESERVE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function slot(key, interval, burst)
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local wait = tat - burst - now
  if wait < 0 then wait = 0 end
  return tat, wait
end
local function take(key, tat, at, interval)
  if tat < at then tat = at end
  redis.call('SET', key, tat + interval, 'PX', math.ceil(tat + interval - now) + 1000)
end
local interval = tonumber(ARGV[1])
local tat, wait = slot(KEYS[1], interval, tonumber(ARGV[2]))
local shared = KEYS[2] ~= nil and ARGV[6] == '1' and redis.call('EXISTS', KEYS[3]) == 1
local tat2, wait2 = 0, 0
if shared then
  tat2, wait2 = slot(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]))
  if wait2 > wait then wait = wait2 end
end
if KEYS[2] ~= nil and ARGV[6] == '0' and wait > 0 then redis.call('SET', KEYS[3], '1', 'PX', math.ceil(wait) + 1000) end
if wait > tonumber(ARGV[3]) then return -wait end
-- The call goes at the later of its slots: each budget counts it from then.
take(KEYS[1], tat, now + wait, interval)
if shared then take(KEYS[2], tat2, now + wait, tonumber(ARGV[4])) end
return wait
`);

/**
 * No slot before `now + ARGV[1]` ms (the burst counted, so no call goes early): the key's next free
 * slot moves out to then, unless it is further out already.
 */
const HOLD = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = now + tonumber(ARGV[1]) + tonumber(ARGV[2])
if tat > tonumber(redis.call('GET', KEYS[1]) or 0) then redis.call('SET', KEYS[1], tat, 'PX', math.ceil(tat - now) + 1000) end
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
   * The share of `rps` read-backs may take at most while actions wait for their slots (0 to 1;
   * default 1, no limit of their own): read-backs never take more from waiting actions, which keep
   * the rest; with no action waiting, read-backs may use whatever the actions leave.
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
    const share = this.readBackInterval;
    const wait = Number(
      share === undefined
        ? await RESERVE.run(this.redis, [key], [this.interval, this.burst, this.opts.maxWaitMs])
        : await RESERVE.run(
            this.redis,
            [key, `${key}:read-backs`, `${key}:actions`],
            [this.interval, this.burst, this.opts.maxWaitMs, share, Math.max(0, 1000 - share), kind === 'read-back' ? 1 : 0],
          ),
    );
    if (wait < 0) throw new RateLimitedError(`the ${this.opts.system} request budget of ${name} is used up for now`, -wait);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** The system asked for no call under `name` for `ms` (a 429's Retry-After): every worker's next slot there is that far out. */
  async hold(name: string, ms: number): Promise<void> {
    await HOLD.run(this.redis, [this.keyOf(name)], [Math.ceil(ms), this.burst]);
  }
}
