import type { AuthSettings } from '@quartet/auth';
import type { EnvReader } from './env-reader';

const MIN_SECRET_BYTES = 32;

/**
 * AUTH_SECRET, AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL: whose tokens a process accepts.
 * None set: it accepts anonymous calls.
 */
export function readAuthSettings(reader: EnvReader): AuthSettings {
  const secret = reader.optional('AUTH_SECRET');
  const issuer = url(reader, 'AUTH_ISSUER');
  const audience = reader.optional('AUTH_AUDIENCE');
  const jwksUrl = url(reader, 'AUTH_JWKS_URL');
  const secretBytes = secret === undefined ? undefined : new TextEncoder().encode(secret);
  if (secretBytes && secretBytes.length < MIN_SECRET_BYTES) {
    reader.problem(
      `AUTH_SECRET is ${secretBytes.length} bytes; an HS256 key needs ${MIN_SECRET_BYTES} or more`,
    );
  }
  if (issuer !== undefined && audience === undefined) {
    reader.problem('AUTH_ISSUER is set without AUTH_AUDIENCE: tokens meant for other services would pass');
  }
  if (jwksUrl !== undefined && issuer === undefined)
    reader.problem('AUTH_JWKS_URL is set without AUTH_ISSUER');
  return { secret: secretBytes, issuer, audience, jwksUrl };
}

function url(reader: EnvReader, name: string): string | undefined {
  const value = reader.optional(name);
  if (value === undefined) return undefined;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    reader.problem(`${name}=${JSON.stringify(value)} is not an http(s) URL`);
    return undefined;
  }
  return value;
}
