import type { AuthSettings } from '@quartet/auth';
import type { EnvReader } from './env-reader';

const HTTP = ['http:', 'https:'];

const MIN_SECRET_BYTES = 32;

/**
 * AUTH_SECRET (and AUTH_PREVIOUS_SECRETS, comma-separated, which still verify during a key
 * rotation), AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL: whose tokens a process accepts.
 * None set: it accepts anonymous calls.
 */
export function readAuthSettings(reader: EnvReader): AuthSettings {
  const secret = reader.optional('AUTH_SECRET');
  const issuer = reader.optionalUrl('AUTH_ISSUER', HTTP);
  const audience = reader.optional('AUTH_AUDIENCE');
  const jwksUrl = reader.optionalUrl('AUTH_JWKS_URL', HTTP);
  const secretBytes = secret === undefined ? undefined : new TextEncoder().encode(secret);
  if (secretBytes && secretBytes.length < MIN_SECRET_BYTES) {
    reader.problem(
      `AUTH_SECRET is ${secretBytes.length} bytes; an HS256 key needs ${MIN_SECRET_BYTES} or more`,
    );
  }
  const previousSecrets = (reader.optional('AUTH_PREVIOUS_SECRETS') ?? '')
    .split(',')
    .filter((previous) => previous !== '')
    .map((previous) => new TextEncoder().encode(previous));
  previousSecrets.forEach((previous, at) => {
    if (previous.length < MIN_SECRET_BYTES) {
      reader.problem(
        `AUTH_PREVIOUS_SECRETS: key ${at + 1} is ${previous.length} bytes; an HS256 key needs ${MIN_SECRET_BYTES} or more`,
      );
    }
  });
  if (previousSecrets.length > 0 && secretBytes === undefined) {
    reader.problem('AUTH_PREVIOUS_SECRETS is set without AUTH_SECRET, the key that signs now');
  }
  if (issuer !== undefined && audience === undefined) {
    reader.problem('AUTH_ISSUER is set without AUTH_AUDIENCE: tokens meant for other services would pass');
  }
  if (jwksUrl !== undefined && issuer === undefined)
    reader.problem('AUTH_JWKS_URL is set without AUTH_ISSUER');
  return {
    secret: secretBytes,
    ...(previousSecrets.length > 0 ? { previousSecrets } : {}),
    issuer,
    audience,
    jwksUrl,
  };
}
