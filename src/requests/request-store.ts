import type { Redis } from 'ioredis';
import type { Keys } from '../redis.js';
import { newRequestId } from './request-id.js';
import { offboardRequestSchema, type NewRequest, type OffboardRequest, type RequestStatus } from './request.js';

// Applies a shallow patch only while the status is one of ARGV[2..]; atomic, so two approvers
// clicking at the same moment cannot both win.
const PATCH_IF_STATUS = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {0, false} end
local req = cjson.decode(raw)
local allowed = #ARGV == 1
for i = 2, #ARGV do if req.status == ARGV[i] then allowed = true end end
if not allowed then return {0, raw} end
for k, v in pairs(cjson.decode(ARGV[1])) do req[k] = v end
local out = cjson.encode(req)
redis.call('SET', KEYS[1], out)
return {1, out}
`;

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
      const created = await this.redis.set(this.keys.request(request.id), JSON.stringify(request), 'NX');
      if (created !== 'OK') continue; // id collision: draw again
      await this.redis.zadd(this.keys.requestIndex(), Date.parse(request.createdAt), request.id);
      return request;
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

  /** Newest first. */
  async recent(limit: number): Promise<OffboardRequest[]> {
    const ids = await this.redis.zrevrange(this.keys.requestIndex(), 0, limit - 1);
    const found = await Promise.all(ids.map((id) => this.get(id)));
    return found.filter((r): r is OffboardRequest => r !== undefined);
  }

  /** Patches the request only if its status is one of `whenStatus` (any status when omitted). */
  async patch(id: string, patch: Partial<OffboardRequest>, whenStatus: RequestStatus[] = []): Promise<PatchResult> {
    const [applied, raw] = (await this.redis.eval(PATCH_IF_STATUS, 1, this.keys.request(id), JSON.stringify(patch), ...whenStatus)) as [
      number,
      string | null,
    ];
    if (!raw) throw new RequestNotFoundError(id);
    return { applied: applied === 1, request: parse(raw) };
  }
}

function parse(raw: string): OffboardRequest {
  return offboardRequestSchema.parse(JSON.parse(raw));
}
