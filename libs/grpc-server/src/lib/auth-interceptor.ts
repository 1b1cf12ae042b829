import { Metadata, ServerInterceptingCall, type ServerInterceptor, status } from '@grpc/grpc-js';
import { bearerToken, TokenRefused, type TokenVerifier } from '@quartet/auth';

/** The metadata key under which a handler finds the verified user; what a client sends as it is dropped. */
export const VERIFIED_USER_KEY = 'quartet-verified-user';

/** Health checks and reflection carry no token: probes and `grpcurl list` call them. */
const OPEN = ['/grpc.health.v1.Health/', '/grpc.reflection.'];

/**
 * Checks the `authorization: Bearer` metadata of every call before its handler starts, as a
 * grpc-js interceptor rather than a NestJS guard: a guard runs once per stream, after NestJS
 * has begun reading a client stream's messages (nestjs/nest#14094), while here no message
 * reaches the handler until the token is verified. Without a verifier every call is let
 * through as anonymous.
 */
export function authInterceptor(verifier: TokenVerifier | undefined): ServerInterceptor {
  return (method, next) => {
    const open = verifier === undefined || OPEN.some((prefix) => method.path.startsWith(prefix));
    let ended = false;
    const call: ServerInterceptingCall = new ServerInterceptingCall(next, {
      start: (startNext) =>
        startNext({
          onReceiveMetadata: (metadata, metadataNext) => {
            metadata.remove(VERIFIED_USER_KEY);
            if (open) return metadataNext(metadata);
            const refuse = (code: status, details: string) =>
              ended || call.sendStatus({ code, details, metadata: new Metadata() });
            const token = bearerToken(metadata.get('authorization').map(String)[0]);
            if (token === undefined) {
              return refuse(
                status.UNAUTHENTICATED,
                'no bearer token: send the metadata "authorization: Bearer <token>"',
              );
            }
            verifier.verify(token).then(
              (verified) => {
                if (ended) return;
                metadata.set(VERIFIED_USER_KEY, verified.user);
                metadataNext(metadata);
              },
              (error: unknown) =>
                error instanceof TokenRefused
                  ? refuse(status.UNAUTHENTICATED, error.message)
                  : refuse(
                      status.UNAVAILABLE,
                      'tokens cannot be checked now: the issuer’s keys are out of reach',
                    ),
            );
          },
          onCancel: () => (ended = true),
        }),
      sendStatus: (outcome, sendNext) => {
        ended = true;
        sendNext(outcome);
      },
    });
    return call;
  };
}

/** The user the caller's token names, as the auth interceptor verified it; undefined for anonymous calls. */
export function verifiedUser(metadata: Metadata): string | undefined {
  const [user] = metadata.get(VERIFIED_USER_KEY);
  return typeof user === 'string' ? user : undefined;
}
