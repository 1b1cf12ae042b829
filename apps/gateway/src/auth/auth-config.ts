import { randomBytes } from 'node:crypto';
import type { AuthSettings } from '@quartet/auth';
import type { EnvReader } from '@quartet/grpc-server';

/** Who may call the gateway's API, and what each signed-in user may use. */
export interface GatewayAuth {
  /** Whose tokens are accepted; always with a secret when guests are on. */
  readonly tokens: AuthSettings;
  /**
   * AUTH_GUESTS: whether POST /api/session hands out guest sessions. On by default, off by
   * default once AUTH_ISSUER names an OpenID Connect issuer.
   */
  readonly guests: boolean;
  /** True when AUTH_SECRET was unset and a key was made at start: sessions die with the process. */
  readonly ephemeralSecret: boolean;
  /** SESSION_TTL_S: how long a guest session lasts. */
  readonly sessionTtlSeconds: number;
  /** ALLOWED_ORIGINS: origins besides the gateway's own whose pages may upload and open chats. */
  readonly allowedOrigins: readonly string[];
  /** UPLOAD_QUOTA_BYTES: what one user may upload through one gateway process. */
  readonly uploadQuotaBytes: number;
  /** RATE_LIMIT_PER_MINUTE: API requests one user may make a minute. */
  readonly requestsPerMinute: number;
  /** SESSIONS_PER_MINUTE: guest sessions one client address may start a minute. */
  readonly sessionsPerMinute: number;
}

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$/;

export function readGatewayAuth(reader: EnvReader, tokens: AuthSettings): GatewayAuth {
  const guests = reader.oneOf('AUTH_GUESTS', tokens.issuer ? 'false' : 'true', ['true', 'false']) === 'true';
  const ephemeralSecret = guests && tokens.secret === undefined;
  if (!guests && tokens.secret === undefined && tokens.issuer === undefined) {
    reader.problem(
      'AUTH_GUESTS=false leaves no way to sign in: set AUTH_ISSUER and AUTH_AUDIENCE, or AUTH_SECRET',
    );
  }
  const allowedOrigins = (reader.optional('ALLOWED_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of allowedOrigins.filter((origin) => !ORIGIN.test(origin))) {
    reader.problem(`ALLOWED_ORIGINS: ${JSON.stringify(origin)} is not an origin such as https://example.com`);
  }
  return {
    tokens: ephemeralSecret ? { ...tokens, secret: randomBytes(32) } : tokens,
    guests,
    ephemeralSecret,
    sessionTtlSeconds: reader.integer('SESSION_TTL_S', 12 * 3600, 60, 30 * 24 * 3600),
    allowedOrigins,
    uploadQuotaBytes: reader.integer('UPLOAD_QUOTA_BYTES', 1024 ** 3, 0, 1024 ** 5),
    requestsPerMinute: reader.integer('RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    sessionsPerMinute: reader.integer('SESSIONS_PER_MINUTE', 10, 1, 1_000_000),
  };
}
