import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../redis.js';
import { LuaScript } from '../redis-script.js';
import { startTrailLua, type TrailStart } from '../audit/audit-trail.js';
import { newRequestId } from './request-id.js';
import { offboardRequestSchema, type NewRequest, type OffboardRequest, type RequestStatus } from './request.js';

// Applies a shallow patch only while the status is one of ARGV[3..]; atomic, so two approvers
// clicking at the same moment cannot both win. A status change also moves the request between the
// per-status indexes (ARGV[2] is their key prefix), which the reconciler reads.
const PATCH_IF_STATUS = new LuaScript(`
local raw = redis.call('GET', KEYS[1])
if not raw then return {0, false} end
local req = cjson.decode(raw)
local allowed = #ARGV == 2
for i = 3, #ARGV do if req.status == ARGV[i] then allowed = true end end
if not allowed then return {0, raw} end
local before = req.status
for k, v in pairs(cjson.decode(ARGV[1])) do req[k] = v end
local out = cjson.encode(req)
redis.call('SET', KEYS[1], out)
if req.status ~= before then
  redis.call('ZREM', ARGV[2] .. before, req.id)
  redis.call('ZADD', ARGV[2] .. req.status, redis.call('ZSCORE', KEYS[2], req.id) or 0, req.id)
end
return {1, out}
`);

// Stores a new request and indexes it in one step, so no crash leaves a request the reconciler cannot see.
const CREATE = new LuaScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
return 1
`);

// Stores the request of one view submission, in one step: unless the submission already stored one
// (its id or, from an earlier version mid-store, 'pending', is returned) or the person has a pending or
// approved request (returned), the request is created, indexed (all, by status, by person), its
// trail started with its first entry, and the submission mapped to it. Atomic, so neither a replayed
// delivery nor a second request about the same person can slip in between the checks and the writes,
// whichever process they reach, and no crash leaves a request without its trail or a trail without it.
const CREATE_FOR_SUBMISSION = new LuaScript(`
local earlier = redis.call('GET', KEYS[1])
if earlier then return {'submitted', earlier} end
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[2], 0, -1)) do
  local raw = redis.call('GET', ARGV[5] .. id)
  if raw then
    local status = cjson.decode(raw).status
    if status == 'pending' or status == 'approved' then return {'open', raw} end
  end
end
if redis.call('EXISTS', KEYS[3], KEYS[6], KEYS[7]) > 0 then return {'taken'} end
redis.call('SET', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[5], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
${startTrailLua(6, 6)}
return {'created'}
`);

// Counts within a window that starts with the first count: the key expires with the window.
const COUNT_IN_WINDOW = new LuaScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`);

// Adds one approver to a request's approvals and returns whether they were new, with all of them, in
// one step: of two clicks at the same moment (any processes), each sees the other's or is seen by it.
const ADD_APPROVAL = new LuaScript(`
local added = redis.call('SADD', KEYS[1], ARGV[1])
return {added, redis.call('SMEMBERS', KEYS[1])}
`);

/** A view submission's mapping outlives any modal: a day. */
const SUBMISSION_TTL_S = 24 * 3600;
/** What a submission maps to while an earlier version of the bot stores its request. */
export const SUBMISSION_PENDING = 'pending';

export type SubmissionStored =
  | { kind: 'created'; request: OffboardRequest }
  /** The submission was stored before: the request id, or SUBMISSION_PENDING. */
  | { kind: 'submitted'; earlier: string }
  /** The person already has a pending or approved request. */
  | { kind: 'open'; request: OffboardRequest };

export interface PatchResult {
  applied: boolean;
  request: OffboardRequest;
}

export class RequestNotFoundError extends Error {
  constructor(readonly requestId: string) {
    super(`No offboarding request ${requestId}`);
    this.name = 'RequestNotFoundError';
  }
}

export class RequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(fields: NewRequest): Promise<OffboardRequest> {
    for (;;) {
      const request: OffboardRequest = { ...fields, id: newRequestId(), createdAt: this.now().toISOString(), status: 'pending' };
      const keys = [this.keys.request(request.id), this.keys.requestIndex(), this.keys.statusIndex(request.status)];
      const created = await CREATE.run(this.redis, keys, [JSON.stringify(request), String(Date.parse(request.createdAt)), request.id]);
      if (created === 1) return request;
      // id collision: draw again
    }
  }

  async get(id: string): Promise<OffboardRequest | undefined> {
    const raw = await this.redis.get(this.keys.request(id));
    return raw ? parse(raw) : undefined;
  }

  async mustGet(id: string): Promise<OffboardRequest> {
    const request = await this.get(id);
    if (!request) throw new RequestNotFoundError(id);
    return request;
  }


  /** Ids of requests now in `status`, oldest first. */
  async idsWithStatus(status: RequestStatus, limit = 1000): Promise<string[]> {
    return this.redis.zrange(this.keys.statusIndex(status), '0', String(limit - 1));
  }

  /** Patches the request only if its status is one of `whenStatus` (any status when omitted). */
  async patch(id: string, patch: Partial<OffboardRequest>, whenStatus: RequestStatus[] = []): Promise<PatchResult> {
    const [applied, raw] = (await PATCH_IF_STATUS.run(
      this.redis,
      [this.keys.request(id), this.keys.requestIndex()],
      [JSON.stringify(patch), this.keys.statusIndex(''), ...whenStatus],
    )) as [number, string | null];
    if (!raw) throw new RequestNotFoundError(id);
    return { applied: applied === 1, request: parse(raw) };
  }

  /** The newest `limit` requests that still read back; ids of any that do not, so they can be logged, not shown. */
  async recentReadable(limit: number): Promise<{ requests: OffboardRequest[]; unreadable: string[] }> {
    const ids = await this.redis.zrevrange(this.keys.requestIndex(), 0, limit - 1);
    const raws = ids.length ? await this.redis.mget(ids.map((id) => this.keys.request(id))) : [];
    const requests: OffboardRequest[] = [];
    const unreadable: string[] = [];
    raws.forEach((raw, i) => {
      if (raw === null) return;
      const parsed = safeParse(raw);
      if (parsed) requests.push(parsed);
      else unreadable.push(ids[i]!);
    });
    return { requests, unreadable };
  }

  /**
   * Creates the request of one view submission (Slack's view id + hash), with the first entry of its
   * trail that `trail` makes for it, unless that submission already created one or the person has a
   * pending or approved request; see CREATE_FOR_SUBMISSION.
   */
  async createForSubmission(fields: NewRequest, viewId: string, hash: string, trail: (request: OffboardRequest) => TrailStart): Promise<SubmissionStored> {
    for (;;) {
      const request: OffboardRequest = { ...fields, id: newRequestId(), createdAt: this.now().toISOString(), status: 'pending' };
      const first = trail(request);
      const keys = [
        this.keys.submission(viewId, hash),
        this.keys.subjectIndex(request.subject.slackUserId),
        this.keys.request(request.id),
        this.keys.requestIndex(),
        this.keys.statusIndex(request.status),
        ...first.keys,
      ];
      const args = [JSON.stringify(request), String(Date.parse(request.createdAt)), request.id, String(SUBMISSION_TTL_S), this.keys.request(''), ...first.args];
      const [kind, value] = (await CREATE_FOR_SUBMISSION.run(this.redis, keys, args)) as [string, string | undefined];
      if (kind === 'created') return { kind, request };
      if (kind === 'submitted') return { kind, earlier: value! };
      if (kind === 'open') return { kind, request: parse(value!) };
      // id collision: draw again
    }
  }

  /**
   * What an earlier delivery of this view submission did: the request id it created, 'pending'
   * while that delivery is storing it, or undefined when none did.
   */
  async submission(viewId: string, hash: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.submission(viewId, hash))) ?? undefined;
  }

  /** True for the first caller to claim `kind` of this request within `ttlMs`, false for every other. */
  async claim(kind: string, requestId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.lock(kind, requestId), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Records `actorId`'s approval of a request that needs several; `added` is false when they had already approved. */
  async addApproval(requestId: string, actorId: string): Promise<{ added: boolean; approvals: string[] }> {
    const [added, approvals] = (await ADD_APPROVAL.run(this.redis, [this.keys.approvals(requestId)], [actorId])) as [number, string[]];
    return { added: added === 1, approvals: approvals.sort() };
  }

  /** Counts one refusal in its window (started by the first); returns the count so far. */
  async countRefusal(requestId: string, actor: string, action: string, reason: string, windowMs: number): Promise<number> {
    const reasonKey = createHash('sha256').update(reason).digest('hex').slice(0, 12);
    return (await COUNT_IN_WINDOW.run(this.redis, [this.keys.refusals(requestId, actor, action, reasonKey)], [windowMs])) as number;
  }
}

function parse(raw: string): OffboardRequest {
  return offboardRequestSchema.parse(JSON.parse(raw));
}

function safeParse(raw: string): OffboardRequest | undefined {
  try {
    const parsed = offboardRequestSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
