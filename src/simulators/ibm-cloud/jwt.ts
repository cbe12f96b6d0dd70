import { randomUUID } from 'node:crypto';

/**
 * Access tokens: unsigned JWTs (`alg: none`, empty signature segment). ibm-cloud-sdk-core decodes
 * them with jsonwebtoken's `decode` (no signature check; the signature segment may be empty) and
 * schedules refreshes from the `iat` and `exp` claims.
 */

export interface TokenClaims {
  iam_id: string;
  id: string;
  realmid: string;
  sub_type: 'user';
  account: { valid: boolean; bss: string };
  iat: number;
  exp: number;
  iss: string;
  grant_type: string;
  scope: string;
  client_id: string;
  jti: string;
}

export interface IssuedToken {
  accessToken: string;
  claims: TokenClaims;
}

const b64url = (obj: unknown): string => Buffer.from(JSON.stringify(obj)).toString('base64url');

/** Issues tokens and remembers them: only tokens issued by this instance, and not expired, are accepted. */
export class TokenIssuer {
  private readonly issued = new Map<string, TokenClaims>();

  constructor(
    private readonly lifetimeSeconds: number,
    private readonly issuer: () => string,
  ) {}

  issue(iamId: string, accountId: string, now = Date.now()): IssuedToken {
    const iat = Math.floor(now / 1000);
    const claims: TokenClaims = {
      iam_id: iamId,
      id: iamId,
      realmid: 'IBMid',
      sub_type: 'user',
      account: { valid: true, bss: accountId },
      iat,
      exp: iat + this.lifetimeSeconds,
      iss: `${this.issuer()}/identity`,
      grant_type: 'urn:ibm:params:oauth:grant-type:apikey',
      scope: 'ibm openid',
      client_id: 'default',
      jti: randomUUID(),
    };
    const accessToken = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    this.issued.set(accessToken, claims);
    return { accessToken, claims };
  }

  /** The claims of a token this instance issued, or why it is refused. */
  verify(token: string, now = Date.now()): { claims: TokenClaims } | { error: 'invalid' | 'expired' } {
    const claims = this.issued.get(token);
    if (!claims) return { error: 'invalid' };
    if (claims.exp * 1000 <= now) return { error: 'expired' };
    return { claims };
  }
}
