import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../redis.js';
import { LuaScript } from '../redis-script.js';
import { startTrailLua, type TrailStart } from '../audit/audit-trail.js';
import { batchDecisionSchema, type BatchDecision } from './batch-decision.js';
import { newRequestId } from './request-id.js';
import { offboardRequestSchema, subjectKeys, type NewRequest, type OffboardRequest, type RequestStatus } from './request.js';

// Replaces the request with ARGV[2] only while it is still exactly ARGV[1] (what the patch was merged
// into), so two approvers clicking at the same moment cannot both win; the loser reads again. The
// documents are compared and stored as they are, never decoded here: Redis' Lua JSON would turn an
// empty array into an object. A status change (ARGV[4] to ARGV[5]) also moves the request between
// the per-status indexes (ARGV[3] is their key prefix), which the reconciler reads.
const COMPARE_AND_SET = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[4] ~= ARGV[5] then
  redis.call('ZREM', ARGV[3] .. ARGV[4], ARGV[6])
  redis.call('ZADD', ARGV[3] .. ARGV[5], redis.call('ZSCORE', KEYS[2], ARGV[6]) or 0, ARGV[6])
end
return 1
`);

/** Statuses in which a request is about to act, acting, or waiting to delete: one lifecycle per person. */
export const OPEN_STATUSES: readonly RequestStatus[] = ['pending', 'approved', 'disabled'];

// The newest request about a person (their subject indexes, KEYS[k] to the last key: by Slack user
// id and by email, see subjectKeys) that is open, found from the status indexes (prefix ARGV[a])
// alone, so no stored document is decoded: false when there is none.
const openAboutLua = (k: number, a: number) => `
local open = false
local openScore = -1
for i = ${k}, #KEYS do
  for _, id in ipairs(redis.call('ZREVRANGE', KEYS[i], 0, -1)) do
    local found = false
    for _, status in ipairs({${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')}}) do
      if redis.call('ZSCORE', ARGV[${a}] .. status, id) then found = true; break end
    end
    if found then
      local score = tonumber(redis.call('ZSCORE', KEYS[i], id))
      if score > openScore then open = id; openScore = score end
      break
    end
  end
end
`;

const OPEN_ABOUT = new LuaScript(`${openAboutLua(1, 1)}
return open
`);

// Stores a new request and indexes it (all, by status, by person: KEYS[3] on) in one step, so no
// crash leaves a request the reconciler cannot see.
const CREATE = new LuaScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
for i = 3, #KEYS do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3]) end
return 1
`);

// Stores the request of one view submission, in one step: unless the submission already stored one
// (its id or, from an earlier version mid-store, 'pending', is returned) or the person has an open
// request, one waiting for its deletion included (its id and document are returned), the request is
// created, indexed (all, by status, by person: KEYS[7] on), its trail started with its first entry,
// and the submission mapped to it. Atomic, so neither a replayed
// delivery nor a second request about the same person can slip in between the checks and the writes,
// whichever process they reach, and no crash leaves a request without its trail or a trail without it.
const CREATE_FOR_SUBMISSION = new LuaScript(`
local earlier = redis.call('GET', KEYS[1])
if earlier then return {'submitted', earlier} end
${openAboutLua(7, 6)}
if open then return {'open', open, redis.call('GET', ARGV[5] .. open)} end
if redis.call('EXISTS', KEYS[2], KEYS[5], KEYS[6]) > 0 then return {'taken'} end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3])
for i = 7, #KEYS do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3]) end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
${startTrailLua(5, 7)}
return {'created'}
`);

// Counts within a window that starts with the first count: the key expires with the window.
const COUNT_IN_WINDOW = new LuaScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`);

// Adds one approver (or rejecter) to a request's set and returns whether they were new, with all of
// them, in one step: of two clicks at the same moment (any processes), each sees the other's or is seen by it.
const ADD_TO_SET = new LuaScript(`
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
  /** The person already has an open request (see OPEN_STATUSES): its id, and the request unless it cannot be read. */
  | { kind: 'open'; id: string; request: OffboardRequest | undefined };

/** Further conditions of a patch: `when` must hold of the request as it is; `remove` drops fields (a decision undone). */
export interface PatchConditions {
  when?: (current: OffboardRequest) => boolean;
  remove?: (keyof OffboardRequest)[];
}

export interface PatchResult {
  applied: boolean;
  request: OffboardRequest;
}

/** Far more than any real contention (a handful of clicks and workers on one request); a bound, not a budget. */
const MAX_PATCH_ATTEMPTS = 100;

/** A stored request that is not JSON or not a request (what the problem is, in `problem`). */
export class RequestUnreadableError extends Error {
  constructor(
    readonly requestId: string,
    readonly problem: string,
  ) {
    super(`Offboarding request ${requestId} cannot be read: ${problem}`);
    this.name = 'RequestUnreadableError';
  }
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
      const keys = [
        this.keys.request(request.id),
        this.keys.requestIndex(),
        this.keys.statusIndex(request.status),
        ...subjectKeys(request.subject).map((k) => this.keys.subjectIndex(k)),
      ];
      const created = await CREATE.run(this.redis, keys, [JSON.stringify(request), String(Date.parse(request.createdAt)), request.id]);
      if (created === 1) return request;
      // id collision: draw again
    }
  }

  async get(id: string): Promise<OffboardRequest | undefined> {
    const raw = await this.redis.get(this.keys.request(id));
    return raw ? parse(id, raw) : undefined;
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

  /**
   * Patches the request only if its status is one of `whenStatus` (any status when omitted). The
   * patch is merged here and the whole request checked before it is written, so a patch cannot store
   * a request that no longer reads; the write happens only if nobody wrote in between (else it is
   * merged again into what they wrote). Fields the patch leaves undefined are kept.
   */
  async patch(
    id: string,
    patch: Partial<OffboardRequest>,
    whenStatus: RequestStatus[] = [],
    { when, remove = [] }: PatchConditions = {},
  ): Promise<PatchResult> {
    const key = this.keys.request(id);
    const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    for (let attempt = 0; attempt < MAX_PATCH_ATTEMPTS; attempt++) {
      const raw = await this.redis.get(key);
      if (raw === null) throw new RequestNotFoundError(id);
      const current = parse(id, raw);
      if (whenStatus.length && !whenStatus.includes(current.status)) return { applied: false, request: current };
      // Checked on the document the write is conditional on: it holds when the write lands.
      if (when && !when(current)) return { applied: false, request: current };
      // Merged into the document as stored, so fields this version does not know are kept.
      const merged: Record<string, unknown> = { ...(JSON.parse(raw) as Record<string, unknown>), ...changes };
      for (const field of remove) delete merged[field];
      const out = JSON.stringify(merged);
      const request = offboardRequestSchema.parse(JSON.parse(out));
      const args = [raw, out, this.keys.statusIndex(''), current.status, request.status, id];
      if ((await COMPARE_AND_SET.run(this.redis, [key, this.keys.requestIndex()], args)) === 1) return { applied: true, request };
    }
    throw new Error(`request ${id} kept changing under ${MAX_PATCH_ATTEMPTS} attempts to patch it`);
  }

  /**
   * The id of the newest open request (see OPEN_STATUSES) about this person, by their Slack user id
   * or their email (a request filed by email is about them too), if any: read from the indexes alone.
   */
  async openAbout(person: { slackUserId?: string | null; email?: string | null }): Promise<string | undefined> {
    const keys = subjectKeys(person).map((k) => this.keys.subjectIndex(k));
    if (keys.length === 0) return undefined;
    const id = (await OPEN_ABOUT.run(this.redis, keys, [this.keys.statusIndex('')])) as string | null;
    return id ?? undefined;
  }

  /** Ids of requests about the same person (by Slack user id or email) created after `request`, oldest first. */
  async laterAbout(request: OffboardRequest): Promise<string[]> {
    const after = `(${Date.parse(request.createdAt)}`;
    const found = await Promise.all(subjectKeys(request.subject).map((k) => this.redis.zrangebyscore(this.keys.subjectIndex(k), after, '+inf', 'WITHSCORES')));
    const scored = new Map<string, number>();
    for (const list of found) for (let i = 0; i < list.length; i += 2) scored.set(list[i]!, Number(list[i + 1]));
    scored.delete(request.id);
    return [...scored].sort((a, b) => a[1] - b[1]).map(([id]) => id);
  }

  /** The newest `limit` requests that still read back; ids of any that do not, so they can be logged, not shown. */
  async recentReadable(limit: number): Promise<{ requests: OffboardRequest[]; unreadable: string[] }> {
    return this.readMany(await this.redis.zrevrange(this.keys.requestIndex(), 0, limit - 1));
  }

  /** How many requests there are. */
  count(): Promise<number> {
    return this.redis.zcard(this.keys.requestIndex());
  }

  /** The requests about this person (by Slack user id or email, see subjectKeys), newest first, read from the per-person indexes. */
  async about(person: { slackUserId?: string | null; email?: string | null }, limit = 100): Promise<{ requests: OffboardRequest[]; unreadable: string[] }> {
    const lists = await Promise.all(subjectKeys(person).map((k) => this.redis.zrevrange(this.keys.subjectIndex(k), 0, limit - 1, 'WITHSCORES')));
    const scored = new Map<string, number>();
    for (const list of lists) for (let i = 0; i < list.length; i += 2) scored.set(list[i]!, Number(list[i + 1]));
    const ids = [...scored].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    return this.readMany(ids.slice(0, limit));
  }

  /** The requests whose person has exactly this email (letter case aside), newest first: every request is read, a page at a time. */
  async withSubjectEmail(email: string, page = 500): Promise<OffboardRequest[]> {
    const wanted = email.toLowerCase();
    const found: OffboardRequest[] = [];
    for (let start = 0; ; start += page) {
      const ids = await this.redis.zrevrange(this.keys.requestIndex(), start, start + page - 1);
      const { requests } = await this.readMany(ids);
      found.push(...requests.filter((r) => r.subject.email.toLowerCase() === wanted));
      if (ids.length < page) return found;
    }
  }

  private async readMany(ids: string[]): Promise<{ requests: OffboardRequest[]; unreadable: string[] }> {
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
        this.keys.request(request.id),
        this.keys.requestIndex(),
        this.keys.statusIndex(request.status),
        ...first.keys,
        ...subjectKeys(request.subject).map((k) => this.keys.subjectIndex(k)),
      ];
      const args = [
        JSON.stringify(request),
        String(Date.parse(request.createdAt)),
        request.id,
        String(SUBMISSION_TTL_S),
        this.keys.request(''),
        this.keys.statusIndex(''),
        ...first.args,
      ];
      const [kind, value, raw] = (await CREATE_FOR_SUBMISSION.run(this.redis, keys, args)) as [string, string | undefined, string | null | undefined];
      if (kind === 'created') return { kind, request };
      if (kind === 'submitted') return { kind, earlier: value! };
      if (kind === 'open') return { kind, id: value!, request: raw ? safeParse(raw) : undefined };
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

  /** Records a request as one of a bulk request's; done again on a replay of its submission, so a crash between the two loses none. */
  async addToBatch(batchId: string, requestId: string): Promise<void> {
    await this.redis.sadd(this.keys.batch(batchId), requestId);
  }

  /** The ids of the requests a bulk request stored, sorted. */
  async batchMembers(batchId: string): Promise<string[]> {
    return (await this.redis.smembers(this.keys.batch(batchId))).sort();
  }

  /**
   * Stores the decision of a bulk request, once: the first stored wins, and is returned (this one or
   * an earlier). It is listed as open until `closeBatchDecision`, so a crash before every request
   * has it applied leaves it for the reconciler.
   */
  async decideBatch(decision: BatchDecision): Promise<BatchDecision> {
    const key = this.keys.batchDecision(decision.batchId);
    await this.redis.multi().set(key, JSON.stringify(decision), 'NX').sadd(this.keys.batchDecisionsOpen(), decision.batchId).exec();
    return (await this.batchDecision(decision.batchId))!;
  }

  /** The stored decision of a bulk request, if one was taken. */
  async batchDecision(batchId: string): Promise<BatchDecision | undefined> {
    const raw = await this.redis.get(this.keys.batchDecision(batchId));
    return raw === null ? undefined : batchDecisionSchema.parse(JSON.parse(raw));
  }

  /** The bulk requests whose stored decision may still have to be applied to some of their requests. */
  async openBatchDecisions(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.batchDecisionsOpen())).sort();
  }

  /** Every request of the bulk request has its decision applied (or was decided otherwise first). */
  async closeBatchDecision(batchId: string): Promise<void> {
    await this.redis.srem(this.keys.batchDecisionsOpen(), batchId);
  }

  /** True for the first caller to claim `kind` of this request within `ttlMs`, false for every other. */
  async claim(kind: string, requestId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.lock(kind, requestId), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  /**
   * Records `actorId`'s approval of the request's terms with `digest`; `added` is false when they had
   * already approved those terms. `approvals`: everyone who has approved exactly these terms.
   */
  async addApproval(requestId: string, digest: string, actorId: string): Promise<{ added: boolean; approvals: string[] }> {
    const [added, approvals] = (await ADD_TO_SET.run(this.redis, [this.keys.approvals(requestId, digest)], [actorId])) as [number, string[]];
    return { added: added === 1, approvals: approvals.sort() };
  }

  /** Records `actorId`'s rejection of a request whose rule takes several; as addApproval. */
  async addRejection(requestId: string, actorId: string): Promise<{ added: boolean; rejections: string[] }> {
    const [added, rejections] = (await ADD_TO_SET.run(this.redis, [this.keys.rejections(requestId)], [actorId])) as [number, string[]];
    return { added: added === 1, rejections: rejections.sort() };
  }

  /** Counts one refusal in its window (started by the first); returns the count so far. */
  async countRefusal(requestId: string, actor: string, action: string, reason: string, windowMs: number): Promise<number> {
    const reasonKey = createHash('sha256').update(reason).digest('hex').slice(0, 12);
    return (await COUNT_IN_WINDOW.run(this.redis, [this.keys.refusals(requestId, actor, action, reasonKey)], [windowMs])) as number;
  }
}

function parse(id: string, raw: string): OffboardRequest {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new RequestUnreadableError(id, 'it is not JSON');
  }
  const parsed = offboardRequestSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(the request)'}: ${i.message}`);
  throw new RequestUnreadableError(id, issues.join('; '));
}

function safeParse(raw: string): OffboardRequest | undefined {
  try {
    const parsed = offboardRequestSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
