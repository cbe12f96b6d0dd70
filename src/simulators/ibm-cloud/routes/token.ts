import { iamTokenError, type RouteContext, type SimResponse } from '../http.js';
import type { TokenIssuer } from '../jwt.js';
import type { Route } from '../router.js';

export const TOKEN_PATH = '/identity/token';
const APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';

/** `POST /identity/token`: exchanges an accepted API key for an unsigned JWT access token. */
export function tokenRoutes(issuer: TokenIssuer, acceptedKeys: ReadonlySet<string>): Route[] {
  function token(ctx: RouteContext): SimResponse {
    const contentType = String(ctx.headers['content-type'] ?? '');
    if (!contentType.includes('application/x-www-form-urlencoded')) {
      return iamTokenError(400, 'BXNIM0109E', 'Property missing or empty. Expected form-encoded body.', ctx);
    }
    const form = new URLSearchParams(ctx.rawBody);
    const grantType = form.get('grant_type');
    if (grantType !== APIKEY_GRANT) {
      return iamTokenError(400, 'BXNIM0308E', `Unsupported grant type: ${grantType ?? '(none)'}.`, ctx);
    }
    const apikey = form.get('apikey');
    if (!apikey) return iamTokenError(400, 'BXNIM0109E', "Property 'apikey' missing or empty.", ctx);
    if (!acceptedKeys.has(apikey)) {
      return iamTokenError(400, 'BXNIM0415E', 'Provided API key could not be found.', ctx);
    }
    const accountId = ctx.state.accounts[0]?.id ?? '';
    const { accessToken, claims } = issuer.issue(ctx.state.botIamId, accountId, ctx.now);
    return {
      status: 200,
      body: {
        access_token: accessToken,
        refresh_token: 'not_supported',
        token_type: 'Bearer',
        expires_in: claims.exp - claims.iat,
        expiration: claims.exp,
        scope: claims.scope,
      },
    };
  }
  return [{ method: 'POST', pattern: TOKEN_PATH, handler: token }];
}
