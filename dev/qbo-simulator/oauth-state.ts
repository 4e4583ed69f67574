import { randomBytes } from 'node:crypto';

/**
 * Intuit's token lifecycle as the simulator plays it: access tokens live `accessTokenTtlMs` (1 h); every refresh
 * issues a new refresh token and the previous one keeps working for `refreshGraceMs` (24 h at Intuit), after which
 * it answers `invalid_grant`; revoking a refresh token kills it and every access token issued from it.
 */
export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
  token_type: 'bearer';
}

interface RefreshState {
  realmId: string;
  family: string;
  /** When a newer refresh token was issued from this one (then it dies refreshGraceMs later). */
  supersededAt: number | undefined;
  revoked: boolean;
}

const REFRESH_TTL_SECONDS = 8_726_400; // 101 days, as in fixtures/qbo/oauth-token-response.json

function opaque(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

export class SimOAuth {
  private readonly access = new Map<string, { realmId: string; expiresAt: number; family: string }>();
  private readonly refresh = new Map<string, RefreshState>();
  private readonly codes = new Map<string, { realmId: string; redirectUri: string }>();
  private readonly revokedFamilies = new Set<string>();

  constructor(
    private readonly accessTokenTtlMs: number,
    private readonly refreshGraceMs: number,
    private readonly now: () => number,
  ) {}

  issue(realmId: string, family = opaque('f')): IssuedTokens {
    const accessToken = opaque('sim-at-');
    const refreshToken = opaque('sim-rt-');
    this.access.set(accessToken, { realmId, expiresAt: this.now() + this.accessTokenTtlMs, family });
    this.refresh.set(refreshToken, { realmId, family, supersededAt: undefined, revoked: false });
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      expires_in: Math.round(this.accessTokenTtlMs / 1000),
      x_refresh_token_expires_in: REFRESH_TTL_SECONDS,
      token_type: 'bearer',
    };
  }

  /** The realm an access token may act on, or undefined when it is unknown, expired or revoked. */
  realmOf(accessToken: string): { realmId: string } | undefined {
    const entry = this.access.get(accessToken);
    if (!entry || entry.expiresAt <= this.now() || this.revokedFamilies.has(entry.family)) return undefined;
    return { realmId: entry.realmId };
  }

  /** `auth_expired` fault: the token stops working now, as if its hour were up. */
  expireAccessToken(accessToken: string): void {
    const entry = this.access.get(accessToken);
    if (entry) entry.expiresAt = this.now();
  }

  refreshGrant(refreshToken: string): IssuedTokens | undefined {
    const state = this.refresh.get(refreshToken);
    if (!state || state.revoked || this.revokedFamilies.has(state.family)) return undefined;
    if (state.supersededAt !== undefined && this.now() - state.supersededAt >= this.refreshGraceMs) return undefined;
    state.supersededAt ??= this.now();
    return this.issue(state.realmId, state.family);
  }

  createCode(realmId: string, redirectUri: string): string {
    const code = opaque('sim-code-');
    this.codes.set(code, { realmId, redirectUri });
    return code;
  }

  codeGrant(code: string, redirectUri: string | undefined): (IssuedTokens & { realmId: string }) | undefined {
    const entry = this.codes.get(code);
    this.codes.delete(code); // single use, as at Intuit
    if (!entry || (redirectUri !== undefined && redirectUri !== entry.redirectUri)) return undefined;
    return { ...this.issue(entry.realmId), realmId: entry.realmId };
  }

  /** Intuit's revoke takes either token and ends the whole grant. Unknown tokens are accepted silently. */
  revoke(token: string): void {
    const family = this.refresh.get(token)?.family ?? this.access.get(token)?.family;
    if (family) this.revokedFamilies.add(family);
  }
}
