import type { RescanFinding } from '../../audit/audit-event.js';
import { cut, escapeText, fitLines, MESSAGE_TEXT_LIMIT } from './block-kit.js';

/**
 * The alert's listing is kept to what people read in a channel (Slack advises 4,000 characters
 * of message text); beyond it, the alert counts the rest, which the audit trail holds in full.
 */
const LISTING_CHARS = 3500;

/** The alert posted (with the approvers' mention) when a re-scan finds access that came back. */
export function rescanAlertText(
  request: { id: string; subject: { name: string } },
  phase: string,
  afterMs: number,
  findings: readonly RescanFinding[],
): string {
  const lines = findings.map((f) => `• ${escapeText(f.item.label)} (${escapeText(f.item.id)}): ${escapeText(f.why)}`);
  const listed = fitLines(lines, LISTING_CHARS, (left) => `…and ${left} more (${findings.length} in all), each recorded in the request's audit trail.`);
  return cut(
    `:rotating_light: *Access came back for ${escapeText(request.subject.name)}* (*${request.id}*), found by the re-scan ${Math.round(afterMs / 3_600_000)} h after the ${phase} phase:\n${listed.join('\n')}`,
    MESSAGE_TEXT_LIMIT,
  );
}
