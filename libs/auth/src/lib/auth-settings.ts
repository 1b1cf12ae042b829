/** Who may sign the tokens a process accepts; a process with none of these accepts anonymous calls. */
export interface AuthSettings {
  /** AUTH_SECRET: the HS256 key the gateway signs guest sessions with (32 bytes or more). */
  readonly secret?: Uint8Array;
  /** AUTH_PREVIOUS_SECRETS: keys that no longer sign but still verify, while a rotation rolls out. */
  readonly previousSecrets?: readonly Uint8Array[];
  /** AUTH_ISSUER: an OpenID Connect issuer whose keys (its JWKS) sign users' tokens. */
  readonly issuer?: string;
  /** AUTH_AUDIENCE: the `aud` an issuer's tokens must name. */
  readonly audience?: string;
  /** AUTH_JWKS_URL: the issuer's keys, when they are not where its discovery document says. */
  readonly jwksUrl?: string;
}

/** The issuer and audience of guest sessions, which only quartet's gateway signs. */
export const GUEST_ISSUER = 'quartet-gateway';
export const GUEST_AUDIENCE = 'quartet';
