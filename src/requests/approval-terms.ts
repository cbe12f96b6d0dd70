import { canonicalJson, sha256Hex } from '../audit/audit-chain.js';
import type { TrailRecord } from '../runs/run-view.js';
import type { OffboardRequest } from './request.js';

/**
 * What an approval approves: the person, the reason, the timing, what happens afterwards (to what
 * they created too), who takes over, and what the read-only preview found (its digest; `none`
 * before it is in). An approval counts only for the terms it was given on: any change to them asks
 * for approval again.
 */
export interface ApprovedTerms {
  subject: OffboardRequest['subject'];
  reason: OffboardRequest['reason'];
  effectiveAt: string | null;
  disposition: OffboardRequest['disposition'];
  successor: string | null;
  /** What happens to what the person created; absent when the request does not say, so older approvals keep their digest. */
  createdItems?: OffboardRequest['createdItems'];
  preview: string;
  /** How many times the approvers were asked again after an approval (see OffboardRequest.reasked); absent before, so older approvals keep their digest. */
  reasked?: number;
}

/** The latest preview's digest (see RunView.preview), or `none` before it is in. */
export function previewDigest(preview: TrailRecord<'request.previewed'> | undefined): string {
  if (!preview) return 'none';
  const { items, identities, privileges } = preview;
  return sha256Hex(canonicalJson({ items, identities: identities ?? null, privileges: privileges ?? null }));
}

export function approvedTerms(request: OffboardRequest, preview: TrailRecord<'request.previewed'> | undefined): ApprovedTerms {
  return {
    subject: request.subject,
    reason: request.reason,
    effectiveAt: request.effectiveAt,
    disposition: request.disposition,
    successor: request.successorSlackUserId,
    ...(request.createdItems ? { createdItems: request.createdItems } : {}),
    preview: previewDigest(preview),
    ...(request.reasked ? { reasked: request.reasked.count } : {}),
  };
}

/** The SHA-256 of the terms' canonical JSON: what each approval is recorded with. */
export function termsDigest(terms: ApprovedTerms): string {
  return sha256Hex(canonicalJson(terms));
}
