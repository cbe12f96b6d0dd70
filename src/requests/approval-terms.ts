import { canonicalJson, sha256Hex } from '../audit/audit-chain.js';
import type { AuditRecord } from '../audit/audit-event.js';
import type { OffboardRequest } from './request.js';

/**
 * What an approval approves: the person, the reason, the timing, what happens afterwards, who takes
 * over, and what the read-only preview found (its digest; `none` before it is in). An approval counts
 * only for the terms it was given on: any change to them asks for approval again.
 */
export interface ApprovedTerms {
  subject: OffboardRequest['subject'];
  reason: OffboardRequest['reason'];
  effectiveAt: string | null;
  disposition: OffboardRequest['disposition'];
  successor: string | null;
  preview: string;
}

/** The latest preview's digest, or `none` when the trail has none yet. */
export function previewDigest(trail: readonly AuditRecord[]): string {
  const preview = trail.findLast((e) => e.type === 'request.previewed');
  if (preview?.type !== 'request.previewed') return 'none';
  const { items, identities, privileges } = preview;
  return sha256Hex(canonicalJson({ items, identities: identities ?? null, privileges: privileges ?? null }));
}

export function approvedTerms(request: OffboardRequest, trail: readonly AuditRecord[]): ApprovedTerms {
  return {
    subject: request.subject,
    reason: request.reason,
    effectiveAt: request.effectiveAt,
    disposition: request.disposition,
    successor: request.successorSlackUserId,
    preview: previewDigest(trail),
  };
}

/** The SHA-256 of the terms' canonical JSON: what each approval is recorded with. */
export function termsDigest(terms: ApprovedTerms): string {
  return sha256Hex(canonicalJson(terms));
}
