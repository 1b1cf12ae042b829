import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { type AuthSettings, GUEST_AUDIENCE, GUEST_ISSUER } from './auth-settings';
import { keyId } from './key-id';

/** Who a verified token says the caller is. */
export interface VerifiedToken {
  /** The token's subject: the user, as chat shows them and as uploads are owned. */
  readonly user: string;
  readonly expiresAt: Date;
  /** Signed by the gateway as a guest session, not by an OpenID Connect issuer. */
  readonly guest: boolean;
}

/** A token that does not prove who its bearer is; the message says why, for the caller. */
export class TokenRefused extends Error {
  override readonly name = 'TokenRefused';
}

/**
 * How many verified tokens a verifier remembers. A caller sends the same token with every
 * request until it expires, and checking a signature costs more than the rest of a request
 * through the gateway: each token is checked once, then looked up until it expires.
 */
const REMEMBERED_TOKENS = 10_000;

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Verifies bearer tokens: guest sessions by the shared secret, users' tokens by their OpenID
 * Connect issuer's keys, which are fetched once and again only when a token names a key that
 * is not among them (jose's remote key set, with its cooldown).
 */
export class TokenVerifier {
  private issuerKeys?: Promise<JWTVerifyGetKey>;
  /** Verified tokens, oldest first; the signature is part of the key, so no forgery matches. */
  private readonly remembered = new Map<string, VerifiedToken>();

  /** The guest keys this verifier accepts, by `kid`: AUTH_SECRET's and AUTH_PREVIOUS_SECRETS'. */
  private readonly guestKeys: ReadonlyMap<string, Uint8Array>;

  private constructor(private readonly settings: AuthSettings) {
    const keys = [settings.secret, ...(settings.previousSecrets ?? [])].filter((key) => key !== undefined);
    this.guestKeys = new Map(keys.map((key) => [keyId(key), key]));
  }

  /** The verifier of these settings, or undefined when they accept anonymous calls. */
  static from(settings: AuthSettings): TokenVerifier | undefined {
    return settings.secret || settings.issuer ? new TokenVerifier(settings) : undefined;
  }

  /** Resolves with the caller, or rejects with TokenRefused saying what is wrong with the token. */
  async verify(token: string): Promise<VerifiedToken> {
    const known = this.remembered.get(token);
    if (known && known.expiresAt.getTime() > Date.now()) return known;
    const verified = await this.check(token);
    if (this.remembered.size >= REMEMBERED_TOKENS) {
      this.remembered.delete(this.remembered.keys().next().value as string);
    }
    this.remembered.set(token, verified);
    return verified;
  }

  private async check(token: string): Promise<VerifiedToken> {
    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
    } catch {
      throw new TokenRefused('the token is not a well-formed JWT');
    }
    const guest = claims.iss === GUEST_ISSUER;
    const { payload } = guest ? await this.verifyGuest(token) : await this.verifyFromIssuer(token);
    if (typeof payload.sub !== 'string' || payload.sub === '')
      throw new TokenRefused('the token names no subject');
    if (typeof payload.exp !== 'number') throw new TokenRefused('the token has no expiry');
    return { user: payload.sub, expiresAt: new Date(payload.exp * 1000), guest };
  }

  private async verifyGuest(token: string) {
    if (this.guestKeys.size === 0) throw new TokenRefused('guest sessions are not accepted here');
    const { kid } = decodeProtectedHeader(token);
    const options = { algorithms: ['HS256'], issuer: GUEST_ISSUER, audience: GUEST_AUDIENCE };
    if (kid !== undefined) {
      const key = this.guestKeys.get(kid);
      if (!key) throw new TokenRefused('the token is signed with a key that is retired or unknown here');
      return refusing(() => jwtVerify(token, key, options));
    }
    // Tokens from before key ids: each key in turn, the current one first.
    let refusal: unknown;
    for (const key of this.guestKeys.values()) {
      try {
        return await refusing(() => jwtVerify(token, key, options));
      } catch (error) {
        refusal = error;
      }
    }
    throw refusal;
  }

  private async verifyFromIssuer(token: string) {
    const { issuer, audience } = this.settings;
    if (!issuer) throw new TokenRefused(`the token's issuer is not trusted here; sign in as a guest`);
    const keys = await this.keysOf(issuer);
    return refusing(() => jwtVerify(token, keys, { algorithms: ASYMMETRIC, issuer, audience }));
  }

  private keysOf(issuer: string): Promise<JWTVerifyGetKey> {
    this.issuerKeys ??= discoverKeys(issuer, this.settings.jwksUrl).catch((error: unknown) => {
      // Not cached: the next token tries the discovery again.
      this.issuerKeys = undefined;
      throw error;
    });
    return this.issuerKeys;
  }
}

async function discoverKeys(issuer: string, jwksUrl: string | undefined): Promise<JWTVerifyGetKey> {
  let url = jwksUrl;
  if (!url) {
    const discovery = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(discovery, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`${discovery} answered ${response.status}`);
    const document = (await response.json()) as { jwks_uri?: unknown };
    if (typeof document.jwks_uri !== 'string') throw new Error(`${discovery} names no jwks_uri`);
    url = document.jwks_uri;
  }
  return createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
}

/** Runs a jose verification, turning what is wrong with the token into a TokenRefused. */
async function refusing<T>(verification: () => Promise<T>): Promise<T> {
  try {
    return await verification();
  } catch (error) {
    throw refusalOf(error);
  }
}

function refusalOf(error: unknown): unknown {
  if (error instanceof errors.JWTExpired) return new TokenRefused('the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud':
        return new TokenRefused('the token is for another audience');
      case 'iss':
        return new TokenRefused('the token is from another issuer');
      default:
        return new TokenRefused(`the token's "${error.claim}" claim is not valid: ${error.reason}`);
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRefused('the token’s signature does not verify');
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new TokenRefused('the token is signed with an algorithm not accepted here');
  if (error instanceof errors.JWKSNoMatchingKey)
    return new TokenRefused('no key of the issuer signed the token');
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new TokenRefused('the token is not a well-formed JWT');
  }
  // Anything else (the issuer's keys out of reach) is no fault of the token's.
  return error;
}
