import { randomBytes } from 'node:crypto';

/** Slack-looking ids: a prefix letter and upper-case alphanumerics, e.g. 'V0A1B2C3D4E'. */
export function slackId(prefix: string, length = 10): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Message timestamps like "1732371234.000100": unique and strictly increasing for one generator. */
export class TsClock {
  private lastMicros = 0;

  next(): string {
    const nowMicros = Date.now() * 1000;
    this.lastMicros = Math.max(nowMicros, this.lastMicros + 1);
    const seconds = Math.floor(this.lastMicros / 1_000_000);
    const micros = this.lastMicros % 1_000_000;
    return `${seconds}.${String(micros).padStart(6, '0')}`;
  }
}

/** Trigger ids look like "13345224609.738474920.8088930838d88f008e0". */
export function triggerId(counter: number): string {
  return `${Date.now()}.${738474920 + counter}.${randomHex(16)}`;
}
